import { createHmac } from "node:crypto";
import type { FeedbackReport } from "../../model/feedback.ts";
import { classifyBounce } from "../classify.ts";
import { verpTokenOf } from "../../send/verp.ts";
import { messageIdOf } from "../fields.ts";
import { checkTimestamp, equalSecrets, isObject, parseJson, text, type Parsed, type Verdict, type WebhookRequest } from "./webhook.ts";

// Mailgun's webhooks: a JSON body whose "signature" object holds a
// timestamp, a random token, and the hex HMAC-SHA256 of timestamp + token
// under the webhook signing key. The token is what a replay would repeat.

export function verifyMailgun(signingKey: string, req: WebhookRequest): Verdict & { json?: unknown } {
  const json = parseJson(req.body);
  if (!json.ok) return { ok: false, status: 401, reason: `no signature: ${json.problem}` };
  const sig = isObject(json.value) ? json.value.signature : undefined;
  if (!isObject(sig) || !text(sig.token) || !text(sig.signature)) return { ok: false, status: 401, reason: 'no "signature" object with timestamp, token and signature' };
  const time = checkTimestamp(text(sig.timestamp), req.now);
  if (!time.ok) return time;
  const expected = createHmac("sha256", signingKey).update(`${text(sig.timestamp)}${text(sig.token)}`).digest("hex");
  if (!equalSecrets(expected, text(sig.signature)!)) return { ok: false, status: 403, reason: "the signature does not match" };
  return { ok: true, replayKey: `mailgun:${text(sig.token)}` };
}

export function parseMailgun(body: Buffer): Parsed {
  const json = parseJson(body);
  if (!json.ok) return json;
  const e = isObject(json.value) ? json.value["event-data"] : undefined;
  if (!isObject(e) || !text(e.event) || !text(e.id)) return { ok: false, problem: 'expected an "event-data" object with "event" and "id"' };
  const recipient = text(e.recipient);
  const message = isObject(e.message) && isObject(e.message.headers) ? e.message.headers : {};
  const envelope = isObject(e.envelope) ? e.envelope : {};
  const status = isObject(e["delivery-status"]) ? e["delivery-status"] : {};
  const base = {
    key: `mailgun:${text(e.id)}`,
    recipient,
    messageId: messageIdOf(text(message["message-id"])),
    providerId: text(e.id),
  };
  const report = (r: Omit<FeedbackReport, keyof typeof base>): Parsed => ({ ok: true, reports: [{ ...base, ...r, verpToken: verpTokenOf(text(envelope.sender) ?? "") }] });
  if (e.event === "failed") {
    const code = text(status["enhanced-code"]) ?? text(status.code);
    const diagnostic = [text(status.message), text(status.description)].filter(Boolean).join(" ") || text(e.reason) || "";
    // Mailgun's "permanent" is final; the code still tells a full mailbox or a spam filter from a dead address.
    const kind = e.severity !== "permanent" ? "soft_bounce" : code ? classifyBounce(code, diagnostic) : "hard_bounce";
    return report({ kind, statusCode: code, diagnostic });
  }
  if (e.event === "complained") return report({ kind: "complaint" });
  if (e.event === "delivered") return report({ kind: "delivered" });
  return { ok: true, reports: [] };
}

