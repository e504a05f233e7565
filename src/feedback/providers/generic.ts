import { createHmac } from "node:crypto";
import { z } from "zod";
import type { FeedbackReport } from "../../model/feedback.ts";
import { checkTimestamp, equalSecrets, header, parseJson, type Parsed, type Verdict, type WebhookRequest } from "./webhook.ts";

// The generic webhook, for relays Gazette has no module for. Signed like
// this (and documented in the README):
//   X-Gazette-Timestamp: <seconds since 1970>
//   X-Gazette-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

const EventSchema = z
  .object({
    id: z.string().min(1).max(200),
    type: z.enum(["bounce", "complaint", "delivered"]),
    bounce: z.enum(["hard", "soft"]).optional(),
    recipient: z.string().min(3).max(320),
    message_id: z.string().max(998).optional(),
    status: z.string().max(40).optional(),
    diagnostic: z.string().max(2000).optional(),
  })
  .strict()
  .refine((e) => e.type !== "bounce" || e.bounce !== undefined, { message: 'a bounce needs "bounce": "hard" or "soft"', path: ["bounce"] });

const BodySchema = z.object({ events: z.array(EventSchema).min(1).max(1000) }).strict();

export function signGeneric(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function verifyGeneric(secret: string, req: WebhookRequest): Verdict {
  const signature = header(req, "x-gazette-signature");
  const timestamp = header(req, "x-gazette-timestamp");
  if (!signature) return { ok: false, status: 401, reason: "no X-Gazette-Signature header" };
  const time = checkTimestamp(timestamp, req.now);
  if (!time.ok) return time;
  const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(req.body).digest("hex")}`;
  if (!equalSecrets(expected, signature)) return { ok: false, status: 403, reason: "the signature does not match the body" };
  return { ok: true, replayKey: `generic:${signature}` };
}

export function parseGeneric(body: Buffer): Parsed {
  const json = parseJson(body);
  if (!json.ok) return json;
  const result = BodySchema.safeParse(json.value);
  if (!result.success) {
    return { ok: false, problem: result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") };
  }
  const reports = result.data.events.map(
    (e): FeedbackReport => ({
      kind: e.type === "bounce" ? (e.bounce === "hard" ? "hard_bounce" : "soft_bounce") : e.type,
      key: `generic:${e.id}:${e.recipient.toLowerCase()}`,
      recipient: e.recipient,
      messageId: e.message_id,
      providerId: e.id,
      statusCode: e.status,
      diagnostic: e.diagnostic,
    }),
  );
  return { ok: true, reports };
}
