import { createHmac } from "node:crypto";
import type { FeedbackReport } from "../../model/feedback.ts";
import { messageIdOf } from "../fields.ts";
import { checkTimestamp, equalSecrets, header, isObject, parseJson, text, type Parsed, type Verdict, type WebhookRequest } from "./webhook.ts";

// Resend delivers webhooks through Svix: svix-id, svix-timestamp and
// svix-signature ("v1,<base64>" entries separated by spaces, one per
// active secret), the signature being HMAC-SHA256 of id.timestamp.body
// under the secret's bytes (the part after "whsec_", base64).

export function resendKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ""), "base64");
}

export function verifyResend(key: Buffer, req: WebhookRequest): Verdict {
  const id = header(req, "svix-id");
  const timestamp = header(req, "svix-timestamp");
  const signatures = header(req, "svix-signature");
  if (!id || !signatures) return { ok: false, status: 401, reason: "no svix-id and svix-signature headers" };
  const time = checkTimestamp(timestamp, req.now);
  if (!time.ok) return time;
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(req.body).digest("base64");
  const match = signatures.split(" ").find((s) => s.startsWith("v1,") && equalSecrets(expected, s.slice(3)));
  if (!match) return { ok: false, status: 403, reason: "no signature matches the body" };
  return { ok: true, replayKey: `resend:${match}` };
}

export function parseResend(body: Buffer): Parsed {
  const json = parseJson(body);
  if (!json.ok) return json;
  const event = json.value;
  if (!isObject(event) || !text(event.type) || !isObject(event.data)) return { ok: false, problem: 'expected a Resend event with "type" and "data"' };
  const data = event.data;
  const emailId = text(data.email_id);
  const to = Array.isArray(data.to) ? data.to.filter((t): t is string => typeof t === "string") : [];
  if (!emailId || to.length === 0) return { ok: false, problem: 'data needs "email_id" and "to"' };
  const headers = Array.isArray(data.headers) ? data.headers.filter(isObject) : [];
  const messageId = messageIdOf(text(headers.find((h) => String(h.name).toLowerCase() === "message-id")?.value));
  const kind =
    event.type === "email.bounced" ? (isObject(data.bounce) && data.bounce.type === "Permanent" ? "hard_bounce" : "soft_bounce")
    : event.type === "email.complained" ? "complaint"
    : event.type === "email.delivered" ? "delivered"
    : undefined;
  if (!kind) return { ok: true, reports: [] };
  const bounce = isObject(data.bounce) ? data.bounce : {};
  const diagnostic = [text(bounce.subType), text(bounce.message)].filter(Boolean).join(": ") || undefined;
  return {
    ok: true,
    reports: to.map((recipient): FeedbackReport => ({ kind, key: `resend:${event.type}:${emailId}:${recipient.toLowerCase()}`, recipient, messageId, providerId: emailId, diagnostic })),
  };
}
