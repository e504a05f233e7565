import { createPublicKey, createVerify, type KeyObject } from "node:crypto";
import type { FeedbackReport } from "../../model/feedback.ts";
import { classifyBounce } from "../classify.ts";
import { checkTimestamp, header, isObject, parseJson, text, type Parsed, type Verdict, type WebhookRequest } from "./webhook.ts";

// SendGrid's Event Webhook with Signed Event Webhook on: an ECDSA (P-256,
// SHA-256) signature, base64 DER, over the timestamp header followed by the
// raw body, checked against the verification key the console shows.

/** The console's verification key: base64 of the SPKI DER, or a PEM. */
export function sendgridKey(configured: string): KeyObject {
  const pem = configured.includes("BEGIN PUBLIC KEY") ? configured : `-----BEGIN PUBLIC KEY-----\n${configured.replace(/\s+/g, "")}\n-----END PUBLIC KEY-----\n`;
  return createPublicKey(pem);
}

export function verifySendgrid(key: KeyObject, req: WebhookRequest): Verdict {
  const signature = header(req, "x-twilio-email-event-webhook-signature");
  const timestamp = header(req, "x-twilio-email-event-webhook-timestamp");
  if (!signature) return { ok: false, status: 401, reason: "no X-Twilio-Email-Event-Webhook-Signature header" };
  const time = checkTimestamp(timestamp, req.now);
  if (!time.ok) return time;
  let valid = false;
  try {
    valid = createVerify("sha256").update(timestamp!).update(req.body).verify(key, signature, "base64");
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, status: 403, reason: "the signature does not match the body" };
  return { ok: true, replayKey: `sendgrid:${signature}` };
}

export function parseSendgrid(body: Buffer): Parsed {
  const json = parseJson(body);
  if (!json.ok) return json;
  if (!Array.isArray(json.value)) return { ok: false, problem: "expected a JSON array of SendGrid events" };
  const reports: FeedbackReport[] = [];
  for (const [i, e] of json.value.entries()) {
    if (!isObject(e) || !text(e.event) || !text(e.email)) return { ok: false, problem: `[${i}]: expected an event with "event" and "email"` };
    const id = text(e.sg_event_id);
    if (!id) return { ok: false, problem: `[${i}]: no sg_event_id` };
    const base = { key: `sendgrid:${id}`, recipient: text(e.email), messageId: text(e["smtp-id"]), providerId: id };
    const reason = text(e.reason) ?? "";
    if (e.event === "bounce") {
      // type "blocked": refused for now (reputation, content), not a dead address.
      const kind = e.type === "blocked" ? "soft_bounce" : classifyBounce(text(e.status), reason);
      reports.push({ ...base, kind, statusCode: text(e.status), diagnostic: reason });
    } else if (e.event === "spamreport") reports.push({ ...base, kind: "complaint" });
    else if (e.event === "delivered") reports.push({ ...base, kind: "delivered", diagnostic: text(e.response) });
    // processed, deferred (still trying), dropped (never sent), open, click, unsubscribe: nothing to record.
  }
  return { ok: true, reports };
}
