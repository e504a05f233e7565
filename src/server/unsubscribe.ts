import type { FastifyInstance, FastifyReply } from "fastify";
import { verifyToken } from "../send/tokens.ts";
import { FailureLimit } from "./failure-limit.ts";
import { field, maskAddress, type Form, type NoticeView } from "./pages.ts";
import { sameOrigin } from "./origin.ts";
import { limitConfig, type RouteContext } from "./subscriptions.ts";

/**
 * /unsubscribe/:token, the link in every issue. GET shows the masked
 * address and one button (mail scanners follow GET links, so GET never
 * changes anything); POST unsubscribes at once. A POST whose body is
 * List-Unsubscribe=One-Click (RFC 8058, sent by Gmail's and Yahoo's
 * button) answers 200 with no page, and is never rate-limited when its
 * token is valid: a mail provider sends many from few addresses; a client
 * whose one-click posts fail too often in a minute gets 429 for further
 * failures. Unsubscribing twice is fine; the
 * page that says it is done offers to undo it (for a week); a forged or
 * stale token gets a page that reveals nothing.
 */
export function registerUnsubscribe(app: FastifyInstance, ctx: RouteContext): void {
  const { deps, limits } = ctx;
  const words = ctx.words.unsubscribe;
  const idOf = (token: string) => verifyToken(deps.secret, "unsubscribe", token, async (id) => (await deps.store.getSubscriber(id))?.email);
  const page = (reply: FastifyReply, status: number, view: Omit<NoticeView, "title">) => ctx.page(reply, status, { title: words.title, ...view });
  const invalid = (reply: FastifyReply) => page(reply, 400, { paragraphs: [{ text: words.invalid }] });
  const crossSite = (reply: FastifyReply) => page(reply, 403, { paragraphs: [{ text: ctx.words.errors.crossSite }] });
  const done = (reply: FastifyReply, token: string) =>
    page(reply, 200, {
      paragraphs: [{ text: words.done, status: true }],
      forms: [{ action: `/unsubscribe/${encodeURIComponent(token)}/resubscribe`, button: words.again, secondary: true }],
    });
  const isOneClick = (body: unknown) => field(body as Form, "List-Unsubscribe") === "One-Click";
  const failures = new FailureLimit(limits.oneClickFailures);
  /** A failed one-click post: 400, or 429 once this client has failed too often this minute. */
  const failedOneClick = (reply: FastifyReply, client: string) => {
    const now = ctx.now().getTime();
    const wait = failures.blockedFor(client, now);
    if (wait > 0) return reply.code(429).header("Retry-After", String(Math.ceil(wait / 1000))).type("text/plain; charset=utf-8").send("Too many invalid links.");
    failures.fail(client, now);
    return reply.code(400).type("text/plain; charset=utf-8").send("Invalid link.");
  };

  app.get<{ Params: { token: string } }>("/unsubscribe/:token", { config: limitConfig(limits.actions) }, async (req, reply) => {
    const id = await idOf(req.params.token);
    if (id === undefined) return invalid(reply);
    const subscriber = (await deps.store.getSubscriber(id))!;
    if (subscriber.status === "unsubscribed") return done(reply, req.params.token);
    return page(reply, 200, {
      paragraphs: [{ text: words.question, strong: maskAddress(subscriber.email) }],
      forms: [{ action: `/unsubscribe/${encodeURIComponent(req.params.token)}`, button: words.button }],
    });
  });

  app.post<{ Params: { token: string }; Body: Form }>(
    "/unsubscribe/:token",
    { config: limitConfig(limits.actions, isOneClick), bodyLimit: 1024 },
    async (req, reply) => {
      const oneClick = isOneClick(req.body);
      if (!oneClick && !sameOrigin(req, ctx.origin)) return crossSite(reply);
      const id = await idOf(req.params.token);
      if (id === undefined) return oneClick ? failedOneClick(reply, req.ip) : invalid(reply);
      await deps.store.unsubscribe(id, ctx.now());
      return oneClick ? reply.code(200).type("text/plain; charset=utf-8").send("Unsubscribed.") : done(reply, req.params.token);
    },
  );

  app.post<{ Params: { token: string } }>("/unsubscribe/:token/resubscribe", { config: limitConfig(limits.actions), bodyLimit: 1024 }, async (req, reply) => {
    if (!sameOrigin(req, ctx.origin)) return crossSite(reply);
    const id = await idOf(req.params.token);
    if (id === undefined) return invalid(reply);
    const at = ctx.now();
    if ((await deps.store.resubscribe(id, new Date(at.getTime() - limits.resubscribeWindowMs), at)) || (await deps.store.getSubscriber(id))!.status === "confirmed") {
      return page(reply, 200, { paragraphs: [{ text: words.resubscribed, status: true }] });
    }
    return page(reply, 400, { paragraphs: [{ text: words.tooLate }], signup: {} });
  });
}
