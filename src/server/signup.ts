import type { FastifyInstance, FastifyReply } from "fastify";
import { verifyConfirmToken } from "../send/tokens.ts";
import { parseAddress } from "../store/address.ts";
import { field, maskAddress, type Form } from "./pages.ts";
import { sameOrigin } from "./origin.ts";
import { limitConfig, type RouteContext } from "./subscriptions.ts";

/**
 * Double opt-in. POST /subscribe takes the form on every archive page:
 * validates the address, adds it as pending (or refreshes a known one), and
 * has a confirmation mail sent, then answers with the same page whatever
 * the address's standing, so the form tells nobody who subscribes. A filled
 * honeypot gets that page too, and nothing else happens. While the
 * confirmation mails run too far behind (a relay slower than a rush), it
 * answers 503 with Retry-After, the same for every address, and stores
 * nothing. GET
 * /confirm/:token only shows a button (link scanners follow GET links);
 * POST confirms. Bad, forged, expired and used-up tokens all get one page.
 */
export function registerSignup(app: FastifyInstance, ctx: RouteContext): void {
  const { deps, limits, page } = ctx;
  const words = ctx.words.signup;
  const confirmWords = ctx.words.confirm;
  const crossSite = (reply: FastifyReply) => page(reply, 403, { title: words.title, paragraphs: [{ text: ctx.words.errors.crossSite }] });
  const invalidLink = (reply: FastifyReply) => page(reply, 400, { title: confirmWords.title, paragraphs: [{ text: confirmWords.invalid }], signup: {} });
  const check = (token: string) => verifyConfirmToken(deps.secret, token, (id) => deps.store.confirmTarget(id), ctx.now());
  const printable = (typed: string) => typed.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 254);

  app.get("/subscribe", { config: limitConfig(limits.actions) }, async (_req, reply) => page(reply, 200, { title: words.title, paragraphs: [], signup: {} }));

  app.post<{ Body: Form }>("/subscribe", { config: limitConfig(limits.subscribe), bodyLimit: 4096 }, async (req, reply) => {
    if (!sameOrigin(req, ctx.origin)) return crossSite(reply);
    const typed = field(req.body, "email");
    const sent = (address: string) =>
      page(reply, 200, { title: words.title, paragraphs: [{ text: words.sent(address), status: true }, { text: words.sentNote }] });
    // A bot filled the field people never see: thank it, do nothing.
    if (field(req.body, "website") !== "") return sent(printable(typed));
    const address = parseAddress(typed);
    if (!address.ok) return page(reply, 400, { title: words.title, paragraphs: [], signup: { email: printable(typed), error: words.invalidAddress } });
    if (!deps.mailer) return page(reply, 503, { title: words.title, paragraphs: [{ text: words.closed }] });
    // The mails are going out too far behind the signups: say so now rather than promise one that comes late.
    const retryAfter = deps.mailer.behind();
    if (retryAfter !== undefined) return page(reply.header("Retry-After", String(retryAfter)), 503, { title: words.title, paragraphs: [{ text: words.busy }], signup: { email: address.address } });
    if ((await deps.store.requestSignup(address.address, { source: "web", now: ctx.now(), throttle: limits.throttle })).mailQueued) deps.mailer.wake();
    return sent(address.address);
  });

  app.get<{ Params: { token: string } }>("/confirm/:token", { config: limitConfig(limits.actions) }, async (req, reply) => {
    const result = await check(req.params.token);
    if (!result.ok) return invalidLink(reply);
    const subscriber = (await deps.store.getSubscriber(result.id))!;
    if (subscriber.status === "confirmed") return page(reply, 200, { title: confirmWords.title, paragraphs: [{ text: confirmWords.already, status: true }] });
    return page(reply, 200, {
      title: confirmWords.title,
      paragraphs: [{ text: confirmWords.question, strong: maskAddress(subscriber.email) }],
      forms: [{ action: `/confirm/${encodeURIComponent(req.params.token)}`, button: confirmWords.button }],
    });
  });

  app.post<{ Params: { token: string }; Body: Form }>("/confirm/:token", { config: limitConfig(limits.actions), bodyLimit: 1024 }, async (req, reply) => {
    if (!sameOrigin(req, ctx.origin)) return crossSite(reply);
    const result = await check(req.params.token);
    if (!result.ok) return invalidLink(reply);
    const outcome = await deps.store.confirmSubscriber(result.id, result.nonce, ctx.now());
    if (outcome === "stale") return invalidLink(reply);
    return page(reply, 200, {
      title: confirmWords.title,
      paragraphs: [{ text: outcome === "confirmed" ? confirmWords.done : confirmWords.already, status: true }],
    });
  });
}
