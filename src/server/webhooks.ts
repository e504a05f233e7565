import type { FastifyInstance, FastifyReply } from "fastify";
import type { FeedbackSource } from "../model/feedback.ts";
import { recordReports, summariseResults, type FeedbackIntake } from "../feedback/intake.ts";
import { parseGeneric, verifyGeneric } from "../feedback/providers/generic.ts";
import { parseMailgun, verifyMailgun } from "../feedback/providers/mailgun.ts";
import { parsePostmark, verifyPostmark } from "../feedback/providers/postmark.ts";
import { parseResend, resendKey, verifyResend } from "../feedback/providers/resend.ts";
import { parseSendgrid, sendgridKey, verifySendgrid } from "../feedback/providers/sendgrid.ts";
import { parseSesNotification } from "../feedback/providers/ses.ts";
import { createSnsVerifier, fetchHttps, snsUrl, type FetchText } from "../feedback/providers/sns.ts";
import { parseJson, REPLAY_WINDOW_MS, type Parsed, type Verdict, type WebhookRequest } from "../feedback/providers/webhook.ts";

/** Which provider webhooks are on, with what each checks. A provider left out has no route (404). */
export interface WebhookDeps {
  intake: FeedbackIntake;
  ses?: { topicArns: string[]; fetchText?: FetchText };
  postmark?: { user: string; password: string };
  /** SendGrid's verification key (base64 SPKI, as the console shows it, or PEM). */
  sendgrid?: { verificationKey: string };
  mailgun?: { signingKey: string };
  /** Resend's signing secret, whsec_…. */
  resend?: { secret: string };
  generic?: { secret: string };
  /** Largest body accepted, in bytes (default 1 MB: SendGrid batches events). */
  bodyLimit?: number;
}

interface Route {
  source: FeedbackSource;
  verify(req: WebhookRequest): Verdict | Promise<Verdict>;
  parse(body: Buffer): Parsed;
}

/**
 * POST /webhooks/<provider>: the signature (or credentials) first, then
 * the timestamp (five minutes), then a signature seen before is refused,
 * and only then is anything recorded. Answers are JSON: 200 with what was
 * recorded, 400 for a payload that cannot be read, 401 unsigned, 403
 * badly signed or replayed, 413 too large.
 */
export async function registerWebhooks(app: FastifyInstance, deps: WebhookDeps): Promise<void> {
  const routes: Record<string, Route> = {};
  if (deps.generic) routes.generic = { source: "generic", verify: (r) => verifyGeneric(deps.generic!.secret, r), parse: parseGeneric };
  if (deps.postmark) routes.postmark = { source: "postmark", verify: (r) => verifyPostmark(deps.postmark!, r), parse: parsePostmark };
  if (deps.sendgrid) {
    const key = sendgridKey(deps.sendgrid.verificationKey);
    routes.sendgrid = { source: "sendgrid", verify: (r) => verifySendgrid(key, r), parse: parseSendgrid };
  }
  if (deps.mailgun) routes.mailgun = { source: "mailgun", verify: (r) => verifyMailgun(deps.mailgun!.signingKey, r), parse: parseMailgun };
  if (deps.resend) {
    const key = resendKey(deps.resend.secret);
    routes.resend = { source: "resend", verify: (r) => verifyResend(key, r), parse: parseResend };
  }
  const { intake } = deps;
  const answer = (reply: FastifyReply, status: number, body: Record<string, unknown>) =>
    reply.code(status).type("application/json; charset=utf-8").header("Cache-Control", "no-store").send(JSON.stringify(body));
  const record = async (reply: FastifyReply, source: FeedbackSource, parsed: Parsed) => {
    if (!parsed.ok) return answer(reply, 400, { error: parsed.problem });
    const summary = summariseResults(await recordReports(intake, source, parsed.reports));
    return answer(reply, 200, { recorded: summary.recorded, duplicates: summary.duplicates, unmatched: summary.unmatched, effects: summary.effects, ...(summary.problems.length ? { problems: summary.problems } : {}) });
  };
  const replayed = async (key: string | undefined, now: Date) => key !== undefined && !(await intake.store.claimSignature(key, now, REPLAY_WINDOW_MS * 2));

  await app.register(async (scope) => {
    // Signatures cover the exact bytes: every body arrives as a Buffer, whatever its type (SNS says text/plain).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: deps.bodyLimit ?? 1024 * 1024 }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (status >= 500) request.log.error(error);
      return answer(reply, status, { error: status === 413 ? `the body is larger than ${deps.bodyLimit ?? 1024 * 1024} bytes` : status >= 500 ? "internal error" : error.message });
    });

    for (const [name, route] of Object.entries(routes)) {
      scope.post(`/webhooks/${name}`, async (req, reply) => {
        const request: WebhookRequest = { headers: req.headers, body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), now: intake.now() };
        const verdict = await route.verify(request);
        if (!verdict.ok) return answer(reply, verdict.status, { error: verdict.reason });
        const parsed = route.parse(request.body);
        if (!parsed.ok) return answer(reply, 400, { error: parsed.problem });
        if (await replayed(verdict.replayKey, request.now)) return answer(reply, 403, { error: "this signature was seen before: refused as a replay" });
        return record(reply, route.source, parsed);
      });
    }

    if (deps.ses) {
      const fetchText = deps.ses.fetchText ?? fetchHttps;
      const sns = createSnsVerifier({ topicArns: deps.ses.topicArns, fetchText });
      scope.post("/webhooks/ses", async (req, reply) => {
        const now = intake.now();
        const json = parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        if (!json.ok) return answer(reply, 400, { error: json.problem });
        const verdict = await sns.verify(json.value, now);
        if (!verdict.ok) return answer(reply, verdict.status, { error: verdict.reason });
        const message = verdict.message!;
        if (await replayed(verdict.replayKey, now)) return answer(reply, 403, { error: "this signature was seen before: refused as a replay" });
        if (message.Type === "SubscriptionConfirmation") {
          const url = snsUrl(message.SubscribeURL);
          if (!url) return answer(reply, 400, { error: "SubscribeURL is not an https URL on sns.<region>.amazonaws.com: not confirmed" });
          try {
            await fetchText(url);
          } catch (err) {
            return answer(reply, 502, { error: `confirming the subscription failed: ${(err as Error).message}` });
          }
          return answer(reply, 200, { confirmed: String(message.TopicArn) });
        }
        if (message.Type !== "Notification") return answer(reply, 200, { recorded: 0 });
        return record(reply, "ses", parseSesNotification(String(message.Message)));
      });
    }
  });
}
