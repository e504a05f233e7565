import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import path from "node:path";
import { readWebTemplates } from "../build/read-templates.ts";
import { answerClientError, applySecurityHeaders } from "./headers.ts";
import { trustProxyFn } from "./origin.ts";
import { registerClicks, type ClickDeps } from "./clicks.ts";
import { registerPreview, type EarlyEmails } from "./preview.ts";
import fastifyFormbody from "@fastify/formbody";
import fastifyRateLimit from "@fastify/rate-limit";
import { registerSignup } from "./signup.ts";
import { createRouteContext, type SubscriptionDeps } from "./subscriptions.ts";
import { registerUnsubscribe } from "./unsubscribe.ts";
import { registerWebhooks, type WebhookDeps } from "./webhooks.ts";
import { errorWords } from "./words.ts";

/** Content types a feed reader expects, by URL path; the static plugin would say application/xml. */
const CONTENT_TYPES: Record<string, string> = {
  "rss.xml": "application/rss+xml; charset=utf-8",
  "atom.xml": "application/atom+xml; charset=utf-8",
  "feed.json": "application/feed+json; charset=utf-8",
};

export interface AppOptions {
  /** The built site. */
  distDir: string;
  logger?: boolean;
  /** Fastify's trustProxy: the reverse proxy's addresses, or true. */
  trustProxy?: boolean | string;
  /** Subscriber store, token secret, newsletter and mailer: enables /subscribe, /confirm and /unsubscribe. */
  subscriptions?: SubscriptionDeps;
  /** Feedback intake and the provider secrets: enables /webhooks/<provider>. */
  webhooks?: WebhookDeps;
  /** The click counts' store: enables /r/<issue>/<n> (analytics.clicks). */
  clicks?: Omit<ClickDeps, "distDir">;
  /** Emails a rebuild made before dist/ is swapped (gazette preview): the email previews show them at once. */
  earlyEmails?: EarlyEmails;
}

/**
 * The HTTP app: dist/ as static files with ETag / Last-Modified and 304s
 * for conditional GETs (feed readers poll), and the email preview. Builds never touch a file whose
 * bytes did not change, so validators stay the same across rebuilds.
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const trustProxy = trustProxyFn(options.trustProxy);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 16 * 1024,
    trustProxy,
    // fastify's own refusals (a malformed URL such as /..%c0%af, a too-long parameter) skip the hooks: same headers, plain text.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      applySecurityHeaders(reply);
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 400;
      return reply.code(status).type("text/plain; charset=utf-8").send(`${status === 414 ? "URI Too Long" : "Bad Request"}\n`);
    },
    clientErrorHandler: answerClientError,
  });
  await app.register(fastifyFormbody);
  // Limits are set per route (see subscriptions.ts); static files and feeds have none.
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => Object.assign(new Error(`rate limit exceeded, retry in ${context.after}`), { statusCode: context.statusCode }),
  });
  app.addHook("onSend", async (request, reply, payload) => {
    // Topics have feeds of their own (tags/<slug>/rss.xml …): the file name decides.
    const type = CONTENT_TYPES[request.url.split("?")[0]!.split("/").pop()!];
    if (type && reply.statusCode === 200) reply.header("Content-Type", type);
    applySecurityHeaders(reply);
    return payload;
  });
  await app.register(fastifyStatic, {
    root: path.resolve(options.distDir),
    etag: true,
    lastModified: true,
    index: ["index.html"],
    redirect: true,
    setHeaders(res, file) {
      // Processed pictures carry a hash of their bytes in their names: cacheable forever.
      if (/[\\/]images[\\/][^\\/]+-[0-9a-f]{12}-\d+\.\w+$/.test(file)) res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
      // Everything else is revalidated on every poll: cheap with the validators, and never stale.
      else res.setHeader("Cache-Control", "public, max-age=0, must-revalidate");
    },
  });
  const templates = await readWebTemplates();
  await registerPreview(app, options.distDir, templates, options.earlyEmails);
  if (options.clicks) registerClicks(app, { ...options.clicks, distDir: options.distDir });
  const ctx = options.subscriptions && createRouteContext(options.subscriptions, templates, trustProxy);
  if (ctx) {
    registerSignup(app, ctx);
    registerUnsubscribe(app, ctx);
  }
  if (options.webhooks) await registerWebhooks(app, options.webhooks);
  // A reader who posts a form gets a page in the newsletter's language, not JSON.
  const words = ctx?.words.errors ?? errorWords("en");
  const answer = (reply: FastifyReply, status: number, text: string) =>
    ctx ? ctx.page(reply, status, { title: `${status}`, paragraphs: [{ text }] }) : reply.code(status).type("text/plain; charset=utf-8").send(text);
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error(error);
    return answer(reply, status, status === 429 ? words.tooMany : status === 413 ? words.tooLarge : status < 500 ? words.badForm : words.serverError);
  });
  app.setNotFoundHandler((_request, reply) => answer(reply, 404, words.notFound));
  return app;
}
