import { createHash } from "node:crypto";
import { simpleParser, type Attachment, type ParsedMail } from "mailparser";
import type { FeedbackReport } from "../model/feedback.ts";
import { verpTokenOf } from "../send/verp.ts";
import { classifyBounce } from "./classify.ts";
import { first, messageIdOf, parseFieldGroups, parseHeaderBlock, typedAddress, type FieldGroup } from "./fields.ts";

// A mail that came back: an RFC 3464 delivery status notification, an
// RFC 5965 abuse report (ARF), a mail to the List-Unsubscribe mailto, an
// auto-reply, or something else. mailparser splits the MIME; the
// delivery-status and feedback-report fields are read here. No I/O.

export type MailFeedback =
  | { type: "dsn" | "arf" | "unsubscribe"; reports: FeedbackReport[] }
  | { type: "ignored"; reason: string }
  | { type: "unusable"; problem: string };

/** What the mail's envelope said, when it came over SMTP: the recipients it was sent to. */
export interface MailEnvelope {
  to: string[];
}

export async function parseFeedbackMail(raw: Buffer, envelope: MailEnvelope = { to: [] }): Promise<MailFeedback> {
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, ignoreEmbedded: true, skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, checksumAlgo: false });
  const verpToken = [...envelope.to, ...headerAddresses(mail, ["delivered-to", "x-original-to", "envelope-to", "to"])].map(verpTokenOf).find(Boolean);
  const type = mail.headers.get("content-type") as { value?: string; params?: Record<string, string> } | undefined;
  const reportType = type?.value === "multipart/report" ? type.params?.["report-type"]?.toLowerCase() : undefined;
  const part = (...types: string[]) => mail.attachments.find((a) => types.includes(a.contentType.toLowerCase()));

  if (reportType === "delivery-status" || part("message/delivery-status", "message/global-delivery-status")) {
    const status = part("message/delivery-status", "message/global-delivery-status");
    if (!status) return { type: "unusable", problem: "a multipart/report of type delivery-status with no message/delivery-status part: nothing to read the recipients' status from" };
    return { type: "dsn", reports: readDeliveryStatus(status, originalHeaders(mail), verpToken) };
  }
  if (reportType === "feedback-report" || part("message/feedback-report")) {
    const report = part("message/feedback-report");
    if (!report) return { type: "unusable", problem: "a multipart/report of type feedback-report with no message/feedback-report part" };
    return readFeedbackReport(report, originalHeaders(mail), verpToken);
  }
  const auto = autoReply(mail);
  if (auto) return { type: "ignored", reason: auto };
  const token = /\bunsubscribe\s+(\S+)/i.exec(mail.subject ?? "")?.[1];
  if (token || (verpToken && /^\s*unsubscribe\b/i.test(mail.subject ?? ""))) {
    const key = `mail:${hash(mail.messageId ?? "", token ?? "", verpToken ?? "", raw.length > 0 ? hash(raw.toString("latin1")) : "")}`;
    return { type: "unsubscribe", reports: [{ kind: "unsubscribe", key, unsubscribeToken: token, verpToken, recipient: undefined }] };
  }
  return { type: "ignored", reason: "neither a delivery status notification, an abuse report nor an unsubscribe request" };
}

function readDeliveryStatus(part: Attachment, original: FieldGroup | undefined, verpToken: string | undefined): FeedbackReport[] {
  const text = part.content.toString("utf8");
  const [perMessage, ...perRecipient] = parseFieldGroups(text);
  const messageId = messageIdOf(first(original, "message-id")) ?? messageIdOf(first(perMessage, "original-envelope-id"));
  const reports: FeedbackReport[] = [];
  perRecipient.forEach((fields) => {
    const action = first(fields, "action")?.toLowerCase();
    const recipient = typedAddress(first(fields, "final-recipient")) ?? typedAddress(first(fields, "original-recipient"));
    const status = first(fields, "status");
    const diagnostic = first(fields, "diagnostic-code")?.replace(/^smtp;\s*/i, "");
    // delayed: the relay is still trying; not yet a bounce.
    if (action !== "failed" && action !== "delivered" && action !== "relayed" && action !== "expanded") return;
    const kind = action === "failed" ? classifyBounce(status, diagnostic) : "delivered";
    const key = `dsn:${hash(messageId ?? "", verpToken ?? "", recipient ?? "", action, status ?? "", first(perMessage, "reporting-mta") ?? "", first(fields, "last-attempt-date") ?? "")}`;
    reports.push({ kind, key, recipient, messageId, verpToken, statusCode: status, diagnostic });
  });
  return reports;
}

function readFeedbackReport(part: Attachment, original: FieldGroup | undefined, verpToken: string | undefined): MailFeedback {
  const fields = parseFieldGroups(part.content.toString("utf8"))[0];
  const feedbackType = first(fields, "feedback-type")?.toLowerCase() ?? "";
  if (!["abuse", "fraud", "virus", "other"].includes(feedbackType)) {
    return { type: "ignored", reason: `an abuse report of type ${JSON.stringify(feedbackType)}, which is not a complaint` };
  }
  const messageId = messageIdOf(first(original, "message-id"));
  const recipient = typedAddress(first(fields, "original-rcpt-to")) ?? bareAddress(first(original, "to"));
  const key = `arf:${hash(messageId ?? "", verpToken ?? "", recipient ?? "", first(fields, "arrival-date") ?? "", first(fields, "reporting-mta") ?? "", first(fields, "source-ip") ?? "")}`;
  return {
    type: "arf",
    reports: [{ kind: "complaint", key, recipient, messageId, verpToken, diagnostic: `${feedbackType} report${first(fields, "user-agent") ? ` from ${first(fields, "user-agent")}` : ""}` }],
  };
}

/** The returned message's headers: the message/rfc822 or text/rfc822-headers part. */
function originalHeaders(mail: ParsedMail): FieldGroup | undefined {
  const part = mail.attachments.find((a) => ["message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"].includes(a.contentType.toLowerCase()));
  return part ? parseHeaderBlock(part.content.toString("utf8")) : undefined;
}

/** Why this is an automatic reply (RFC 3834 and the common non-standard marks), or undefined. */
function autoReply(mail: ParsedMail): string | undefined {
  const header = (name: string) => {
    const v = mail.headers.get(name);
    return typeof v === "string" ? v.trim().toLowerCase() : v === undefined ? undefined : String((v as { value?: unknown }).value ?? v).toLowerCase();
  };
  const submitted = header("auto-submitted");
  if (submitted && submitted !== "no") return `an automatic reply (Auto-Submitted: ${submitted})`;
  if (header("x-autoreply") !== undefined || header("x-autorespond") !== undefined) return "an automatic reply (X-Autoreply)";
  const precedence = header("precedence");
  if (precedence === "auto_reply") return "an automatic reply (Precedence: auto_reply)";
  return undefined;
}

function headerAddresses(mail: ParsedMail, names: string[]): string[] {
  const out: string[] = [];
  for (const line of mail.headerLines) {
    if (names.includes(line.key)) out.push(...line.line.slice(line.line.indexOf(":") + 1).split(/[\s,<>]+/).filter((s) => s.includes("@")));
  }
  return out;
}

function bareAddress(value: string | undefined): string | undefined {
  return value ? (/<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1] ?? /[^\s<>,"]+@[^\s<>,"]+/.exec(value)?.[0]) : undefined;
}

function hash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("base64url").slice(0, 32);
}
