import type { FastifyInstance, FastifyReply } from "fastify";
import { createSiteView } from "../render/web/archive.ts";
import type { WebTemplates } from "../render/web/templates.ts";
import { verifyConfirmToken } from "../send/tokens.ts";
import { parseAddress } from "../store/address.ts";
import { field, maskAddress, sameOrigin, sendNotice, type Form, type NoticeView } from "./pages.ts";
import { DEFAULT_LIMITS, limitConfig, type SubscriptionDeps } from "./subscriptions.ts";
import { serverWords } from "./words.ts";

/**
 * Double opt-in. POST /subscribe takes the form on every archive page:
 * validates the address, adds it as pending (or refreshes a known one), and
 * has a confirmation mail sent, then answers with the same page whatever
 * the address's standing, so the form tells nobody who subscribes. A filled
 * honeypot gets that page too, and nothing else happens. GET
 * /confirm/:token only shows a button (link scanners follow GET links);
 * POST confirms. Bad, forged, expired and used-up tokens all get one page.
 */
export function registerSignup(app: FastifyInstance, deps: SubscriptionDeps, templates: WebTemplates): void {
  const site = createSiteView(deps.newsletter);
  const words = serverWords(deps.newsletter);
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const now = deps.now ?? (() => new Date());
  const origins = deps.publicOrigins ?? [];
  const page = (reply: FastifyReply, status: number, view: NoticeView) => sendNotice(reply, status, templates, site, view);
  const crossSite = (reply: FastifyReply) => page(reply, 403, { title: words.signup.title, paragraphs: [{ text: words.errors.crossSite }] });
  const invalidLink = (reply: FastifyReply) => page(reply, 400, { title: words.confirm.title, paragraphs: [{ text: words.confirm.invalid }], signup: {} });
  const check = (token: string) => verifyConfirmToken(deps.secret, token, (id) => deps.store.confirmTarget(id), now());

  app.get("/subscribe", { config: limitConfig(limits.actions) }, async (_req, reply) =>
    page(reply, 200, { title: words.signup.title, paragraphs: [{ text: site.labels.signup.note }], signup: {} }),
  );

  app.post<{ Body: Form }>("/subscribe", { config: limitConfig(limits.subscribe), bodyLimit: 4096 }, async (req, reply) => {
    if (!sameOrigin(req, origins)) return crossSite(reply);
    const typed = field(req.body, "email");
    const sent = (address: string) =>
      page(reply, 200, { title: words.signup.title, paragraphs: [{ text: words.signup.sent(address), status: true }, { text: words.signup.sentNote }] });
    // A bot filled the field people never see: thank it, do nothing.
    if (field(req.body, "website") !== "") return sent(typed.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 254));
    const address = parseAddress(typed);
    if (!address.ok || typed.length > 254) {
      return page(reply, 400, {
        title: words.signup.title,
        paragraphs: [],
        signup: { email: typed.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 254), error: words.signup.invalidAddress },
      });
    }
    if (!deps.mailer) return page(reply, 503, { title: words.signup.title, paragraphs: [{ text: words.signup.closed }] });
    const decision = deps.store.requestSignup(address.address, { source: "web", now: now(), throttle: limits.throttle });
    if (decision.mail) deps.mailer.wake();
    return sent(address.address);
  });

  app.get<{ Params: { token: string } }>("/confirm/:token", { config: limitConfig(limits.actions) }, async (req, reply) => {
    const result = check(req.params.token);
    if (!result.ok) return invalidLink(reply);
    const subscriber = deps.store.getSubscriber(result.id)!;
    if (subscriber.status === "confirmed") return page(reply, 200, { title: words.confirm.title, paragraphs: [{ text: words.confirm.already, status: true }] });
    return page(reply, 200, {
      title: words.confirm.title,
      paragraphs: [{ text: words.confirm.question, strong: maskAddress(subscriber.email) }],
      forms: [{ action: `/confirm/${encodeURIComponent(req.params.token)}`, button: words.confirm.button }],
    });
  });

  app.post<{ Params: { token: string }; Body: Form }>("/confirm/:token", { config: limitConfig(limits.actions), bodyLimit: 1024 }, async (req, reply) => {
    if (!sameOrigin(req, origins)) return crossSite(reply);
    const result = check(req.params.token);
    if (!result.ok) return invalidLink(reply);
    const nonce = deps.store.confirmTarget(result.id)?.nonce;
    const outcome = nonce ? deps.store.confirmSubscriber(result.id, nonce, now()) : "stale";
    if (outcome === "stale") return invalidLink(reply);
    return page(reply, 200, { title: words.confirm.title, paragraphs: [{ text: outcome === "confirmed" ? words.confirm.done : words.confirm.already, status: true }] });
  });
}
