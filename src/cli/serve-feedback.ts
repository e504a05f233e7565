import type { Config } from "../config.ts";
import type { FeedbackIntake } from "../feedback/intake.ts";
import { startInboundSmtp, type InboundSmtp } from "../feedback/inbound-smtp.ts";
import { readStoreSecret } from "./secret.ts";
import type { WebhookDeps } from "../server/webhooks.ts";
import { openStore } from "../store/open.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface ServedFeedback {
  webhooks: WebhookDeps;
  /** Lines for the start-up message: the webhook routes that are on and the SMTP listener. */
  describe(base: string): string[];
  close(): Promise<void>;
}

/** The feedback intake behind /webhooks/* and the inbound SMTP listener; undefined when none is configured. */
export async function openFeedback(io: Io, root: string, config: Config): Promise<ServedFeedback | undefined> {
  const webhooks: Omit<WebhookDeps, "intake"> = {
    ...(config.GAZETTE_SES_TOPIC_ARNS ? { ses: { topicArns: config.GAZETTE_SES_TOPIC_ARNS.split(",").map((a) => a.trim()) } } : {}),
    ...(config.GAZETTE_POSTMARK_WEBHOOK_AUTH ? { postmark: credentials(config.GAZETTE_POSTMARK_WEBHOOK_AUTH) } : {}),
    ...(config.GAZETTE_SENDGRID_VERIFICATION_KEY ? { sendgrid: { verificationKey: config.GAZETTE_SENDGRID_VERIFICATION_KEY } } : {}),
    ...(config.GAZETTE_MAILGUN_SIGNING_KEY ? { mailgun: { signingKey: config.GAZETTE_MAILGUN_SIGNING_KEY } } : {}),
    ...(config.GAZETTE_RESEND_WEBHOOK_SECRET ? { resend: { secret: config.GAZETTE_RESEND_WEBHOOK_SECRET } } : {}),
    ...(config.GAZETTE_WEBHOOK_SECRET ? { generic: { secret: config.GAZETTE_WEBHOOK_SECRET } } : {}),
  };
  const routes = Object.keys(webhooks);
  if (routes.length === 0 && !config.GAZETTE_INBOUND_SMTP) return undefined;
  const store = await openStore(root, config);
  const intake: FeedbackIntake = {
    store: store.feedback,
    secret: await readStoreSecret(root, config, store),
    policy: { softBounceLimit: config.GAZETTE_SOFT_BOUNCE_LIMIT },
    now: () => new Date(),
  };
  let smtp: InboundSmtp | undefined;
  if (config.GAZETTE_INBOUND_SMTP) {
    const at = config.GAZETTE_INBOUND_SMTP.lastIndexOf(":");
    const host = config.GAZETTE_INBOUND_SMTP.slice(0, at).replace(/^\[|\]$/g, "");
    try {
      smtp = await startInboundSmtp({
        intake,
        host,
        port: Number(config.GAZETTE_INBOUND_SMTP.slice(at + 1)),
        onMail: (outcome, envelope) => io.out(`feedback mail from <${envelope.from}>: ${outcome.summary}\n`),
        onError: (err) => io.err(`gazette: inbound SMTP: ${err.message}\n`),
      });
    } catch (err) {
      await store.close();
      throw Object.assign(new Error(`GAZETTE_INBOUND_SMTP=${config.GAZETTE_INBOUND_SMTP}: cannot listen: ${(err as Error).message}`), { code: "GAZETTE_CONFIG" });
    }
  }
  return {
    webhooks: { ...webhooks, intake },
    describe: (base) => [
      ...routes.map((r) => `  webhook  ${base}/webhooks/${r}`),
      ...(smtp ? [`  bounces  inbound SMTP on ${smtp.address} (DSNs, abuse reports, mailed unsubscribes)`] : []),
    ],
    async close() {
      await smtp?.close();
      await store.close();
    },
  };
}

function credentials(value: string): { user: string; password: string } {
  const colon = value.indexOf(":");
  return { user: value.slice(0, colon), password: value.slice(colon + 1) };
}
