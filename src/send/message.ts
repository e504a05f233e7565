import { createHash } from "node:crypto";
import type { EmailMeta } from "../build/emails.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { PLACEHOLDERS, type PlaceholderName } from "../render/email/placeholders.ts";
import { escapeHtml } from "../render/html.ts";
import { parseName } from "../store/address.ts";
import { encodeHeaderWords, encodeQuotedPrintable, formatMailbox } from "./qp.ts";

/** What differs per subscriber. */
export interface Personal {
  email: string;
  name: string | null;
  messageId: string;
  /** Issue emails: the signed unsubscribe page and mailto, for the footer and List-Unsubscribe. */
  unsubscribeUrl?: string;
  unsubscribeMailto?: string;
  /** Issue emails with click counting: where gazette serve is reached, ending in "/" (the same for every reader). */
  linkBase?: string;
  /** Confirmation emails: the signed, expiring confirmation link. */
  confirmUrl?: string;
  /** The Date header; defaults to the time the message was prepared. */
  date?: Date;
}

/**
 * One message, encoded once. `build` fills it for one subscriber and
 * returns its bytes as chunks: the encoded body is shared by every
 * message, never copied per subscriber.
 */
export interface PreparedMessage {
  from: string;
  subject: string;
  build(personal: Personal): Buffer[];
}

/** Encoded literal bytes, or a placeholder to fill (HTML-escaped in the HTML part). */
type Segment = Buffer | { name: PlaceholderName; html: boolean };

const TOKEN_NAMES = new Map<string, PlaceholderName>(Object.entries(PLACEHOLDERS).map(([name, token]) => [token, name as PlaceholderName]));
const TOKEN_RE = new RegExp(`(${Object.values(PLACEHOLDERS).map((t) => t.replace(/[[\]]/g, "\\$&")).join("|")})`);

/** An issue's email, as the sender sends it: with List-Id and one-click List-Unsubscribe. */
export function prepareMessage(input: { meta: EmailMeta; html: string; text: string; newsletter: Newsletter; date: Date }): PreparedMessage {
  return encodeMessage({ subject: input.meta.subject, html: input.html, text: input.text, tag: String(input.meta.number) }, input.newsletter, input.date, true);
}

/** The double opt-in mail: no list headers, since the reader is not on the list yet. */
export function prepareConfirmation(input: { subject: string; html: string; text: string; newsletter: Newsletter; date: Date }): PreparedMessage {
  return encodeMessage({ subject: input.subject, html: input.html, text: input.text, tag: "confirm" }, input.newsletter, input.date, false);
}

/**
 * Encodes the HTML and text parts as multipart/alternative once,
 * quoted-printable, each placeholder on a line of its own, so that filling
 * one for a subscriber is a QP-encode of a short value and a Buffer concat:
 * no MIME building, no scanning of the body, per message.
 */
function encodeMessage(content: { subject: string; html: string; text: string; tag: string }, newsletter: Newsletter, preparedAt: Date, list: boolean): PreparedMessage {
  const digest = createHash("sha256").update(content.html).update(content.text).digest("hex");
  // "=_" cannot occur in quoted-printable text (every "=" is encoded), so this
  // boundary can never collide with the content (RFC 2045 §6.7 note).
  const boundary = `=_gazette_${content.tag}_${digest.slice(0, 24)}`;
  const fromAddress = newsletter.sender.email;
  const from = formatMailbox(fromAddress, newsletter.sender.name, "From: ".length);
  const fixedHeaders = [
    `From: ${from}`,
    `Subject: ${encodeHeaderWords(content.subject, "Subject: ".length)}`,
    "MIME-Version: 1.0",
    ...(list ? [`List-Id: ${formatMailbox(listLabel(newsletter), newsletter.title, "List-Id: ".length)}`, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"] : []),
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ].join("\r\n");
  const preparedDate = dateHeader(preparedAt);
  const part = (type: string) => Buffer.from(`--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`);
  const body: Segment[] = [
    Buffer.from("This is a multi-part message in MIME format.\r\n\r\n"),
    part("text/plain"),
    ...segments(content.text, false),
    Buffer.from("\r\n"),
    part("text/html"),
    ...segments(content.html, true),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ];

  return {
    from: fromAddress,
    subject: content.subject,
    build(personal) {
      if (list && (personal.unsubscribeUrl === undefined || personal.unsubscribeMailto === undefined)) throw new Error("an issue email needs its unsubscribe link and mailto");
      const headers =
        `${fixedHeaders}\r\nDate: ${personal.date ? dateHeader(personal.date) : preparedDate}\r\nTo: ${formatMailbox(personal.email, shownName(personal.name))}\r\nMessage-ID: ${personal.messageId}\r\n` +
        (list ? `List-Unsubscribe: <${personal.unsubscribeUrl}>,\r\n <${personal.unsubscribeMailto}>\r\n` : "") +
        "\r\n";
      const chunks: Buffer[] = [Buffer.from(headers)];
      for (const s of body) {
        if (Buffer.isBuffer(s)) chunks.push(s);
        else {
          const value = s.name === "email" ? personal.email : personal[s.name];
          if (value === undefined) throw new Error(`no value for ${PLACEHOLDERS[s.name]}`);
          chunks.push(Buffer.from(encodeQuotedPrintable(s.html ? escapeHtml(value) : value, true) + "\r\n"));
        }
      }
      return chunks;
    },
  };
}

/** A stored name that would not be accepted today (too long, bidirectional controls) is left out of To:, not sent as it is. */
function shownName(name: string | null): string | null {
  const parsed = parseName(name);
  return parsed.ok ? parsed.name : null;
}

function dateHeader(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}

/** A part's text as encoded literal runs and the placeholders between them. */
function segments(text: string, html: boolean): Segment[] {
  const out: Segment[] = [];
  const pieces = text.split(TOKEN_RE);
  pieces.forEach((piece, i) => {
    if (i % 2 === 1) out.push({ name: TOKEN_NAMES.get(piece)!, html });
    else if (piece !== "") {
      const isLast = i === pieces.length - 1;
      out.push(Buffer.from(encodeQuotedPrintable(piece, !isLast) + (isLast ? "" : "\r\n")));
    }
  });
  return out;
}

/** RFC 2919 list label: the feed id's host with the newsletter's path, e.g. weekly.pretraining-weekly.example.org. */
function listLabel(newsletter: Newsletter): string {
  const host = new URL(newsletter.base_url).hostname;
  const local = newsletter.id.replace(/^tag:[^:]+:/, "").replace(/^https?:\/\/[^/]+\/?/, "").replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "newsletter";
  return `${local}.${host}`;
}
