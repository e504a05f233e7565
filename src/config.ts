import { z } from "zod";

// The only reader of process.env. Command-line flags win over these.

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/**
 * A number from the environment, within a range; empty counts as unset (so
 * the default applies), as for text. A bad value is named with what it must
 * be and what it was: `PORT: expected a whole number from 0 to 65535, received "abc"`.
 */
const envNumber = (fallback: number, range: { min: number; max?: number; whole?: boolean }) => {
  const expected = `expected ${range.whole ? "a whole number" : "a number"} ${range.max === undefined ? `of ${range.min} or more` : `from ${range.min} to ${range.max}`}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim() ?? "";
      if (value === "") return fallback;
      const n = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(value) ? Number(value) : NaN;
      const fits = Number.isFinite(n) && (!range.whole || Number.isInteger(n)) && n >= range.min && (range.max === undefined || n <= range.max);
      if (fits) return n;
      ctx.addIssue({ code: "custom", message: `${expected}, received ${JSON.stringify(raw)}` });
      return z.NEVER;
    });
};

/** An absolute URL of one of these schemes that the URL parser accepts (port in range, host well-formed). */
const urlOf = (schemes: string[], message: string) =>
  optionalText.refine((v) => {
    if (v === undefined) return true;
    try {
      return schemes.includes(new URL(v).protocol) && !/\s/.test(v);
    } catch {
      return false;
    }
  }, { message });

const EnvSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: envNumber(8080, { whole: true, min: 0, max: 65535 }),
  /** Where the subscriber database, the secret and the outbox live (relative to the project). */
  GAZETTE_DATA_DIR: z.string().min(1).default("data"),
  /**
   * postgres://user:pass@host:5432/db: every piece of state in PostgreSQL,
   * shared by any number of servers and send workers; unset means SQLite in
   * the data folder.
   */
  DATABASE_URL: urlOf(["postgres:", "postgresql:"], "expected postgres://user:pass@host:5432/database"),
  /**
   * How long a send worker's claim on its recipients lasts unless renewed:
   * the rows of a worker that died become claimable (or uncertain) after it.
   */
  /** How often gazette serve and gazette worker --watch look for due scheduled sends. */
  GAZETTE_SCHEDULE_SECONDS: envNumber(15, { min: 1, max: 3600 }),
  GAZETTE_LEASE_SECONDS: envNumber(30, { min: 1, max: 3600 }),
  /** Connections each process keeps to PostgreSQL. */
  DATABASE_POOL_SIZE: envNumber(8, { whole: true, min: 1, max: 100 }),
  /** smtp://user:pass@host:587 or smtps://…; unset means the local outbox. */
  SMTP_URL: urlOf(["smtp:", "smtps:"], "expected smtp://user:pass@host:587 or smtps://…"),
  SMTP_POOL_SIZE: envNumber(8, { whole: true, min: 1, max: 64 }),
  /** Seconds to wait for the relay to accept a connection and to greet; past that the attempt is a connection failure. */
  SMTP_TIMEOUT: envNumber(10, { min: 0.05, max: 300 }),
  /** Messages per second (fractions too: 0.5 is one every two seconds); 0 for no limit. */
  SMTP_RATE: envNumber(0, { min: 0 }),
  DKIM_DOMAIN: optionalText,
  DKIM_SELECTOR: optionalText,
  DKIM_KEY_FILE: optionalText,
  /** First retry delay for temporary send failures (doubles each time). */
  GAZETTE_RETRY_BASE_MS: envNumber(2000, { whole: true, min: 0 }),
  /**
   * Where the links in mail (confirm, unsubscribe) point, when not at the
   * newsletter's base_url: the public address of \`gazette serve\`.
   */
  GAZETTE_PUBLIC_URL: urlOf(["http:", "https:"], "expected an absolute http(s) URL"),
  /** Hours a confirmation link stays valid. */
  GAZETTE_CONFIRM_HOURS: envNumber(48, { min: 0.01, max: 24 * 30 }),
  /**
   * Seconds the confirmation mail being sent may have waited since its
   * signup before POST /subscribe answers 503 (try again later) rather than
   * promise a mail that comes late; 0 never refuses.
   */
  GAZETTE_CONFIRM_BACKLOG_SECONDS: envNumber(60, { min: 0 }),
  /** Signups one client address may post per 15 minutes. */
  GAZETTE_SIGNUPS_PER_CLIENT: envNumber(10, { whole: true, min: 1 }),
  /**
   * Behind a reverse proxy: the proxy's addresses or CIDR ranges,
   * comma-separated, or "true", so per-client limits see each reader's
   * address (X-Forwarded-For) rather than the proxy's.
   */
  GAZETTE_TRUST_PROXY: optionalText,
  /** Token secret; when unset one is generated into the data folder. */
  GAZETTE_SECRET: optionalText,

  // Feedback: bounces, complaints and mailed unsubscribes (see README, "Hearing back").
  /** bounces@news.example.org: envelope senders become bounces+<token>@…, and the List-Unsubscribe mailto this address. */
  GAZETTE_BOUNCE_ADDRESS: optionalText.refine((v) => v === undefined || /^[^\s@+]+@[^\s@]+\.[^\s@]+$/.test(v), {
    message: "expected an address such as bounces@news.example.org, with no + in it",
  }),
  /** host:port for the inbound SMTP listener gazette serve starts (e.g. 127.0.0.1:2525). */
  GAZETTE_INBOUND_SMTP: optionalText.refine((v) => v === undefined || /^(\[[0-9a-f:.]+\]|[^\s:]+):\d{1,5}$/i.test(v), {
    message: "expected host:port such as 127.0.0.1:2525",
  }),
  /** Soft bounces in a row, with no delivery between, that make a subscriber bounced. */
  GAZETTE_SOFT_BOUNCE_LIMIT: envNumber(3, { whole: true, min: 1, max: 100 }),
  /** gazette send refuses when the last sent issue's complaint rate is at or above this (percent). */
  GAZETTE_MAX_COMPLAINT_PERCENT: envNumber(0.3, { min: 0, max: 100 }),
  /** … or its hard-bounce rate at or above this (percent). */
  GAZETTE_MAX_HARD_BOUNCE_PERCENT: envNumber(5, { min: 0, max: 100 }),
  /** Amazon SES via SNS: the topic ARNs whose notifications /webhooks/ses accepts (comma-separated). */
  GAZETTE_SES_TOPIC_ARNS: optionalText.refine((v) => v === undefined || v.split(",").every((a) => /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(a.trim())), {
    message: "expected comma-separated SNS topic ARNs such as arn:aws:sns:us-east-1:123456789012:ses-feedback",
  }),
  /** Postmark: user:password, the basic auth put in the webhook URL. */
  GAZETTE_POSTMARK_WEBHOOK_AUTH: optionalText.refine((v) => v === undefined || /^[^:\s]+:\S{8,}$/.test(v), {
    message: "expected user:password, the password at least 8 characters",
  }),
  /** SendGrid: the Signed Event Webhook's verification key (base64, as the console shows it). */
  GAZETTE_SENDGRID_VERIFICATION_KEY: optionalText,
  /** Mailgun: the HTTP webhook signing key. */
  GAZETTE_MAILGUN_SIGNING_KEY: optionalText,
  /** Resend: the webhook's signing secret (whsec_…). */
  GAZETTE_RESEND_WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || /^whsec_[A-Za-z0-9+/=]{16,}$/.test(v), { message: "expected whsec_ followed by base64" }),
  /** The generic webhook's HMAC secret. */
  GAZETTE_WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || v.length >= 16, { message: "expected at least 16 characters" }),
});

export type Config = z.infer<typeof EnvSchema>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw Object.assign(new Error(`invalid environment: ${detail}`), { code: "GAZETTE_CONFIG" });
  }
  const dkim = [result.data.DKIM_DOMAIN, result.data.DKIM_SELECTOR, result.data.DKIM_KEY_FILE];
  if (dkim.some(Boolean) && !dkim.every(Boolean)) {
    throw Object.assign(new Error("invalid environment: DKIM needs all of DKIM_DOMAIN, DKIM_SELECTOR and DKIM_KEY_FILE"), { code: "GAZETTE_CONFIG" });
  }
  return result.data;
}

/**
 * The base of every link Gazette mails (confirm, unsubscribe): the
 * configured public URL; else, when mail goes to the local outbox, this
 * machine's server (the embedded defaults are a demo that must work end to
 * end on one machine); else the newsletter's base_url.
 */
export function linkBase(config: Pick<Config, "GAZETTE_PUBLIC_URL" | "SMTP_URL" | "HOST" | "PORT">, baseUrl: string, listening?: string): string {
  if (config.GAZETTE_PUBLIC_URL) return config.GAZETTE_PUBLIC_URL.endsWith("/") ? config.GAZETTE_PUBLIC_URL : `${config.GAZETTE_PUBLIC_URL}/`;
  if (config.SMTP_URL) return baseUrl;
  if (listening) return `${listening.replace(/\/$/, "")}/`;
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${config.PORT}/`;
}
