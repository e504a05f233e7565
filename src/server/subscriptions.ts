import type { FastifyReply } from "fastify";
import type { Newsletter } from "../model/newsletter.ts";
import { createSiteView, type SiteView } from "../render/web/archive.ts";
import type { WebTemplates } from "../render/web/templates.ts";
import type { ConfirmationMailer } from "../send/confirmations.ts";
import type { SignupStore, SignupThrottle, SubscriberStore } from "../store/store.ts";
import type { OriginPolicy, TrustProxy } from "./origin.ts";
import { sendNotice, type NoticeView } from "./pages.ts";
import { serverWords, type ServerWords } from "./words.ts";

/** What the subscription routes need: the store, the token secret, the newsletter, a mailer. */
export interface SubscriptionDeps {
  store: SubscriberStore & SignupStore;
  secret: Buffer;
  newsletter: Newsletter;
  /** Sends confirmation mails (in this thread, or on one of its own); without one, POST /subscribe says signups are closed. */
  mailer?: Pick<ConfirmationMailer, "wake" | "drain" | "behind">;
  /** The public URL's origin: when set, the only origin whose form posts count as this site's. */
  publicOrigins?: string[];
  now?: () => Date;
  limits?: Partial<SubscriptionLimits>;
}

export interface SubscriptionLimits {
  /** POST /subscribe, per client address. */
  subscribe: { max: number; windowMs: number };
  /** Every other subscription route (confirm, unsubscribe pages and forms), per client address. */
  actions: { max: number; windowMs: number };
  /** One-click unsubscribes (never limited themselves) whose token fails, per client address: past this, 429. */
  oneClickFailures: { max: number; windowMs: number };
  /** Confirmation mails per address, whoever asks: kept in the store, so restarts do not reset it. */
  throttle: SignupThrottle;
  /** How long after unsubscribing the unsubscribe page can still undo it. */
  resubscribeWindowMs: number;
}

export const DEFAULT_LIMITS: SubscriptionLimits = {
  subscribe: { max: 10, windowMs: 15 * 60_000 },
  actions: { max: 120, windowMs: 60_000 },
  oneClickFailures: { max: 10, windowMs: 60_000 },
  throttle: { minIntervalMs: 10 * 60_000, maxPerDay: 3 },
  resubscribeWindowMs: 7 * 24 * 3600_000,
};

/** Route options that apply a per-client limit (fastify's rate-limit plugin reads them). */
export function limitConfig(limit: { max: number; windowMs: number }, exempt?: (body: unknown) => boolean) {
  return {
    rateLimit: {
      max: limit.max,
      timeWindow: limit.windowMs,
      ...(exempt ? { allowList: (req: { body?: unknown }) => exempt(req.body), hook: "preHandler" as const } : {}),
    },
  };
}

/** What every subscription route reads, made once when the server starts. */
export interface RouteContext {
  deps: SubscriptionDeps;
  site: SiteView;
  words: ServerWords;
  limits: SubscriptionLimits;
  now: () => Date;
  /** Which origins' form posts count as this site's (see origin.ts). */
  origin: OriginPolicy;
  /** One of the server's own pages, in the archive's layout. */
  page(reply: FastifyReply, status: number, view: NoticeView): FastifyReply;
}

export function createRouteContext(deps: SubscriptionDeps, templates: WebTemplates, trustProxy: TrustProxy): RouteContext {
  const site = createSiteView(deps.newsletter);
  return {
    deps,
    site,
    words: serverWords(deps.newsletter),
    limits: { ...DEFAULT_LIMITS, ...deps.limits },
    now: deps.now ?? (() => new Date()),
    origin: { publicOrigins: deps.publicOrigins ?? [], trustProxy },
    page: (reply, status, view) => sendNotice(reply, status, templates, site, view),
  };
}
