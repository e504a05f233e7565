import type { Newsletter } from "../model/newsletter.ts";
import type { ConfirmationMailer } from "../send/confirmations.ts";
import type { SignupStore, SignupThrottle, SubscriberStore } from "../store/store.ts";

/** What the subscription routes need: the store, the token secret, the newsletter, a mailer. */
export interface SubscriptionDeps {
  store: SubscriberStore & SignupStore;
  secret: Buffer;
  newsletter: Newsletter;
  /** Sends confirmation mails; without one, POST /subscribe says signups are closed. */
  mailer?: ConfirmationMailer;
  /** Origins besides the one the browser reached whose form posts count as this site's (the public URL). */
  publicOrigins?: string[];
  now?: () => Date;
  limits?: Partial<SubscriptionLimits>;
}

export interface SubscriptionLimits {
  /** POST /subscribe, per client address. */
  subscribe: { max: number; windowMs: number };
  /** Every other subscription route (confirm, unsubscribe pages and forms), per client address. */
  actions: { max: number; windowMs: number };
  /** Confirmation mails per address, whoever asks: kept in the store, so restarts do not reset it. */
  throttle: SignupThrottle;
  /** How long after unsubscribing the unsubscribe page can still undo it. */
  resubscribeWindowMs: number;
}

export const DEFAULT_LIMITS: SubscriptionLimits = {
  subscribe: { max: 10, windowMs: 15 * 60_000 },
  actions: { max: 120, windowMs: 60_000 },
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
