import type { FeedbackReport } from "../../model/feedback.ts";
import { verpTokenOf } from "../../send/verp.ts";
import { classifyBounce } from "../classify.ts";
import { messageIdOf } from "../fields.ts";
import { isObject, parseJson, text, type Json, type Parsed } from "./webhook.ts";

// Amazon SES notifications (SNS "Message", itself JSON): Bounce, Complaint
// and Delivery, as feedback notifications (notificationType) or event
// publishing (eventType). One report per recipient named.

export function parseSesNotification(messageText: string): Parsed {
  const json = parseJson(messageText);
  if (!json.ok) return { ok: false, problem: `Message: ${json.problem}` };
  const n = json.value;
  if (!isObject(n)) return { ok: false, problem: "Message: expected an SES notification object" };
  const type = text(n.notificationType) ?? text(n.eventType);
  const mail = isObject(n.mail) ? n.mail : {};
  const common = isObject(mail.commonHeaders) ? mail.commonHeaders : {};
  const headers = Array.isArray(mail.headers) ? mail.headers.filter(isObject) : [];
  const messageId = messageIdOf(text(common.messageId)) ?? messageIdOf(text(headers.find((h) => String(h.name).toLowerCase() === "message-id")?.value));
  const base = { messageId, verpToken: verpTokenOf(text(mail.source) ?? ""), providerId: text(mail.messageId) };
  const recipients = (list: unknown) => (Array.isArray(list) ? list.filter(isObject) : []);

  if (type === "Bounce" && isObject(n.bounce)) {
    const b = n.bounce;
    const id = text(b.feedbackId) ?? text(mail.messageId);
    if (!id) return { ok: false, problem: "bounce: no feedbackId" };
    return {
      ok: true,
      reports: recipients(b.bouncedRecipients).map((r): FeedbackReport => {
        const status = text(r.status);
        const diagnostic = [`${text(b.bounceType) ?? "?"}/${text(b.bounceSubType) ?? "?"}`, text(r.diagnosticCode)].filter(Boolean).join(": ");
        // Permanent is SES's own verdict; Transient and Undetermined are not a dead address (yet).
        const kind = b.bounceType === "Permanent" ? "hard_bounce" : b.bounceType === "Transient" ? "soft_bounce" : classifyBounce(status, diagnostic);
        return { ...base, kind, key: key("bounce", id, r), recipient: text(r.emailAddress), statusCode: status, diagnostic };
      }),
    };
  }
  if (type === "Complaint" && isObject(n.complaint)) {
    const c = n.complaint;
    const id = text(c.feedbackId) ?? text(mail.messageId);
    if (!id) return { ok: false, problem: "complaint: no feedbackId" };
    // not-spam is a report that the mail is wanted: no complaint.
    if (c.complaintFeedbackType === "not-spam") return { ok: true, reports: [] };
    const diagnostic = text(c.complaintFeedbackType) ?? text(c.complaintSubType) ?? "complaint";
    return { ok: true, reports: recipients(c.complainedRecipients).map((r): FeedbackReport => ({ ...base, kind: "complaint", key: key("complaint", id, r), recipient: text(r.emailAddress), diagnostic })) };
  }
  if (type === "Delivery" && isObject(n.delivery)) {
    const d = n.delivery;
    const id = text(mail.messageId);
    if (!id) return { ok: false, problem: "delivery: no mail.messageId" };
    const list = Array.isArray(d.recipients) ? d.recipients.filter((r): r is string => typeof r === "string") : [];
    return { ok: true, reports: list.map((r): FeedbackReport => ({ ...base, kind: "delivered", key: `ses:delivery:${id}:${r.toLowerCase()}`, recipient: r, diagnostic: text(d.smtpResponse) })) };
  }
  return { ok: true, reports: [] };
}

function key(kind: string, id: string, recipient: Json): string {
  return `ses:${kind}:${id}:${(text(recipient.emailAddress) ?? "").toLowerCase()}`;
}
