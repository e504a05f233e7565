import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Newsletter } from "../model/newsletter.ts";
import { isCjk } from "../render/labels.ts";
import type { WebTemplates } from "../render/web/templates.ts";
import { createSiteView } from "../render/web/archive.ts";
import { verifyToken } from "../send/tokens.ts";
import type { SubscriberStore } from "../store/store.ts";

export interface SubscriptionDeps {
  store: SubscriberStore;
  secret: Buffer;
  newsletter: Newsletter;
}

/**
 * /unsubscribe/:token. GET shows the masked address and one button (mail
 * scanners follow GET links, so GET never changes anything); POST
 * unsubscribes at once. A POST whose body is List-Unsubscribe=One-Click
 * (RFC 8058, sent by Gmail's and Yahoo's button) answers 200 with no page.
 * Unsubscribing twice is fine; a forged or stale token gets a page that
 * reveals nothing.
 */
export function registerUnsubscribe(app: FastifyInstance, deps: SubscriptionDeps, templates: WebTemplates): void {
  const site = createSiteView(deps.newsletter);
  const text = wording(deps.newsletter);
  const emailOf = (id: number) => deps.store.getSubscriber(id)?.email;
  const page = (reply: FastifyReply, status: number, view: Record<string, unknown>) =>
    reply.code(status).type("text/html; charset=utf-8").header("Cache-Control", "no-store").send(templates.unsubscribe({ site, text, ...view }));

  app.get<{ Params: { token: string } }>("/unsubscribe/:token", async (req, reply) => {
    const id = verifyToken(deps.secret, "unsubscribe", req.params.token, emailOf);
    if (id === undefined) return page(reply, 400, { invalid: true });
    const subscriber = deps.store.getSubscriber(id)!;
    if (subscriber.status === "unsubscribed") return page(reply, 200, { done: true });
    return page(reply, 200, { masked: maskAddress(subscriber.email), action: `/unsubscribe/${encodeURIComponent(req.params.token)}` });
  });

  app.post<{ Params: { token: string }; Body: Record<string, string> | undefined }>("/unsubscribe/:token", async (req, reply) => {
    const oneClick = req.body?.["List-Unsubscribe"] === "One-Click";
    if (!oneClick && !sameOrigin(req)) return reply.code(403).type("text/plain; charset=utf-8").send("Forbidden: this form must be sent from this site.");
    const id = verifyToken(deps.secret, "unsubscribe", req.params.token, emailOf);
    if (id === undefined) return oneClick ? reply.code(400).type("text/plain; charset=utf-8").send("Invalid link.") : page(reply, 400, { invalid: true });
    if (deps.store.getSubscriber(id)!.status !== "unsubscribed") deps.store.setStatus(id, "unsubscribed");
    return oneClick ? reply.code(200).type("text/plain; charset=utf-8").send("Unsubscribed.") : page(reply, 200, { done: true });
  });
}

/** r*****@example.org: enough to recognise, not enough to harvest. */
export function maskAddress(email: string): string {
  const [local, domain] = email.split("@") as [string, string];
  return `${local.slice(0, 1)}${"*".repeat(Math.max(1, local.length - 1))}@${domain}`;
}

/** A browser form post from this site: Origin (or, failing that, Referer) matches Host. */
function sameOrigin(req: FastifyRequest): boolean {
  const claimed = req.headers.origin ?? req.headers.referer;
  if (!claimed) return false;
  try {
    return new URL(claimed).host === req.headers.host;
  } catch {
    return false;
  }
}

function wording(newsletter: Newsletter) {
  return isCjk(newsletter.language)
    ? {
        title: "退订",
        question: `确定不再收到《${newsletter.title}》吗?地址:`,
        button: "退订",
        done: `已退订。你不会再收到《${newsletter.title}》。`,
        invalid: "这个链接无效或已过期。",
      }
    : {
        title: "Unsubscribe",
        question: `Stop receiving ${newsletter.title}? Address:`,
        button: "Unsubscribe",
        done: `You are unsubscribed. You will not receive ${newsletter.title} again.`,
        invalid: "This link is not valid.",
      };
}
