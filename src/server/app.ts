import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";
import path from "node:path";
import { readWebTemplates } from "../build/read-templates.ts";
import { registerPreview } from "./preview.ts";
import { registerUnsubscribe, type SubscriptionDeps } from "./unsubscribe.ts";
import fastifyFormbody from "@fastify/formbody";

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
  /** Subscriber store, token secret and newsletter: enables /unsubscribe/:token. */
  subscriptions?: SubscriptionDeps;
}

/**
 * The HTTP app: dist/ as static files with ETag / Last-Modified and 304s
 * for conditional GETs (feed readers poll), and the email preview. Builds never touch a file whose
 * bytes did not change, so validators stay the same across rebuilds.
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 16 * 1024 });
  await app.register(fastifyFormbody);
  app.addHook("onSend", async (request, reply, payload) => {
    const type = CONTENT_TYPES[request.url.split("?")[0]!.replace(/^\//, "")];
    if (type && reply.statusCode === 200) reply.header("Content-Type", type);
    reply.header("X-Content-Type-Options", "nosniff");
    // No inline script anywhere; routes with other needs (the email preview) set their own.
    if (!reply.hasHeader("Content-Security-Policy")) {
      reply.header("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'self'; base-uri 'none'");
    }
    reply.header("Referrer-Policy", "strict-origin-when-cross-origin");
    return payload;
  });
  await app.register(fastifyStatic, {
    root: path.resolve(options.distDir),
    etag: true,
    lastModified: true,
    index: ["index.html"],
    redirect: true,
    setHeaders(res) {
      // Revalidate on every poll: cheap with the validators, and never stale.
      res.setHeader("Cache-Control", "public, max-age=0, must-revalidate");
    },
  });
  const templates = await readWebTemplates();
  await registerPreview(app, options.distDir, templates);
  if (options.subscriptions) registerUnsubscribe(app, options.subscriptions, templates);
  return app;
}
