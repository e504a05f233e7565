import type { FastifyInstance, FastifyReply } from "fastify";
import { createSiteView } from "../render/web/archive.ts";
import type { WebTemplates } from "../render/web/templates.ts";
import { verifyToken } from "../send/tokens.ts";
import { field, maskAddress, sameOrigin, sendNotice, type Form, type NoticeView } from "./pages.ts";
import { DEFAULT_LIMITS, limitConfig, type SubscriptionDeps } from "./subscriptions.ts";
import { serverWords } from "./words.ts";

/**
 * /unsubscribe/:token, the link in every issue. GET shows the masked
 * address and one button (mail scanners follow GET links, so GET never
 * changes anything); POST unsubscribes at once. A POST whose body is
 * List-Unsubscribe=One-Click (RFC 8058, sent by Gmail's and Yahoo's
 * button) answers 200 with no page, and is never rate-limited: a mail
 * provider sends many from few addresses. Unsubscribing twice is fine; the
 * page that says it is done offers to undo it (for a week); a forged or
 * stale token gets a page that reveals nothing.
 */
export function registerUnsubscribe(app: FastifyInstance, deps: SubscriptionDeps, templates: WebTemplates): void {
  const site = createSiteView(deps.newsletter);
  const words = serverWords(deps.newsletter).unsubscribe;
  const errors = serverWords(deps.newsletter).errors;
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const now = deps.now ?? (() => new Date());
  const origins = deps.publicOrigins ?? [];
  const idOf = (token: string) => verifyToken(deps.secret, "unsubscribe", token, (id) => deps.store.getSubscriber(id)?.email);
  const page = (reply: FastifyReply, status: number, view: Omit<NoticeView, "title">) => sendNotice(reply, status, templates, site, { title: words.title, ...view });
  const invalid = (reply: FastifyReply) => page(reply, 400, { paragraphs: [{ text: words.invalid }] });
  const done = (reply: FastifyReply, token: string) =>
    page(reply, 200, {
      paragraphs: [{ text: words.done, status: true }],
      forms: [{ action: `/unsubscribe/${encodeURIComponent(token)}/resubscribe`, button: words.again, secondary: true }],
    });
  const isOneClick = (body: unknown) => field(body as Form, "List-Unsubscribe") === "One-Click";

  app.get<{ Params: { token: string } }>("/unsubscribe/:token", { config: limitConfig(limits.actions) }, async (req, reply) => {
    const id = idOf(req.params.token);
    if (id === undefined) return invalid(reply);
    const subscriber = deps.store.getSubscriber(id)!;
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
      if (!oneClick && !sameOrigin(req, origins)) return page(reply, 403, { paragraphs: [{ text: errors.crossSite }] });
      const id = idOf(req.params.token);
      if (id === undefined) return oneClick ? reply.code(400).type("text/plain; charset=utf-8").send("Invalid link.") : invalid(reply);
      if (deps.store.getSubscriber(id)!.status !== "unsubscribed") deps.store.setStatus(id, "unsubscribed");
      return oneClick ? reply.code(200).type("text/plain; charset=utf-8").send("Unsubscribed.") : done(reply, req.params.token);
    },
  );

  app.post<{ Params: { token: string } }>("/unsubscribe/:token/resubscribe", { config: limitConfig(limits.actions), bodyLimit: 1024 }, async (req, reply) => {
    if (!sameOrigin(req, origins)) return page(reply, 403, { paragraphs: [{ text: errors.crossSite }] });
    const id = idOf(req.params.token);
    if (id === undefined) return invalid(reply);
    const at = now();
    if (deps.store.resubscribe(id, new Date(at.getTime() - limits.resubscribeWindowMs), at) || deps.store.getSubscriber(id)!.status === "confirmed") {
      return page(reply, 200, { paragraphs: [{ text: words.resubscribed, status: true }] });
    }
    return page(reply, 400, { paragraphs: [{ text: words.tooLate }], signup: {} });
  });
}
