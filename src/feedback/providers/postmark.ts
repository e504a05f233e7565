import type { FeedbackReport } from "../../model/feedback.ts";
import { classifyBounce } from "../classify.ts";
import { equalSecrets, header, isObject, parseJson, text, type Parsed, type Verdict, type WebhookRequest } from "./webhook.ts";

// Postmark signs nothing: its webhook URL carries HTTP basic auth
// (https://user:password@host/webhooks/postmark), checked here in constant
// time. Records: Bounce, SpamComplaint, Delivery; each has a unique ID.

/** Bounce types that mean the address will never take mail. */
const HARD = new Set(["HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Unsubscribe", "SpamNotification", "Blocked"]);
/** Bounce types that say nothing about the address. */
const IGNORED = new Set(["AutoResponder", "SubscriptionChange", "OpenRelayTest", "ChallengeVerification", "VirusNotification", "AddressChange"]);

export function verifyPostmark(credentials: { user: string; password: string }, req: WebhookRequest): Verdict {
  const auth = header(req, "authorization");
  if (!auth?.startsWith("Basic ")) return { ok: false, status: 401, reason: "no basic auth credentials (set them in the webhook URL)" };
  const expected = Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64");
  if (!equalSecrets(expected, auth.slice(6).trim())) return { ok: false, status: 403, reason: "wrong basic auth credentials" };
  return { ok: true };
}

export function parsePostmark(body: Buffer): Parsed {
  const json = parseJson(body);
  if (!json.ok) return json;
  const r = json.value;
  if (!isObject(r) || typeof r.RecordType !== "string") return { ok: false, problem: "expected a Postmark webhook record with a RecordType" };
  const id = text(r.ID) ?? text(r.MessageID);
  const recipient = text(r.Email) ?? text(r.Recipient);
  if (!id || !recipient) return { ok: false, problem: `a ${r.RecordType} record needs ${!id ? "ID" : "Email"}` };
  const base = { recipient, providerId: id, key: `postmark:${r.RecordType}:${id}:${recipient.toLowerCase()}` };
  if (r.RecordType === "SpamComplaint") return { ok: true, reports: [{ ...base, kind: "complaint", diagnostic: text(r.Description) }] };
  if (r.RecordType === "Delivery") return { ok: true, reports: [{ ...base, kind: "delivered", diagnostic: text(r.Details) }] };
  if (r.RecordType !== "Bounce") return { ok: true, reports: [] };
  const type = text(r.Type) ?? "";
  if (IGNORED.has(type)) return { ok: true, reports: [] };
  const details = text(r.Details) ?? text(r.Description) ?? "";
  const report: FeedbackReport = {
    ...base,
    kind: HARD.has(type) ? "hard_bounce" : type === "SoftBounce" || type === "Transient" || type === "DnsError" ? "soft_bounce" : classifyBounce(undefined, details),
    statusCode: /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(details)?.[0] ?? text(r.TypeCode),
    diagnostic: `${type}: ${details}`,
  };
  return { ok: true, reports: [report] };
}
