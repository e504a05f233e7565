import { createHash } from "node:crypto";
import type { EmailMeta } from "../build/emails.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { PLACEHOLDERS, type PlaceholderName } from "../render/email/placeholders.ts";
import { encodeHeaderWords, encodeQuotedPrintable, formatMailbox } from "./qp.ts";

/** What differs per subscriber. */
export interface Personal {
  email: string;
  name: string | null;
  messageId: string;
  unsubscribeUrl: string;
  unsubscribeMailto: string;
}

/**
 * One issue's message, encoded once. `build` fills it for one subscriber and
 * returns its bytes as chunks: the encoded body is shared by every
 * message, never copied per subscriber.
 */
export interface PreparedMessage {
  from: string;
  subject: string;
  build(personal: Personal): Buffer[];
}

type Segment = Buffer | PlaceholderName;

const TOKEN_NAMES = new Map<string, PlaceholderName>(Object.entries(PLACEHOLDERS).map(([name, token]) => [token, name as PlaceholderName]));
const TOKEN_RE = new RegExp(`(${Object.values(PLACEHOLDERS).map((t) => t.replace(/[[\]]/g, "\\$&")).join("|")})`);

/**
 * Encodes the HTML and text parts as multipart/alternative once,
 * quoted-printable, each placeholder on a line of its own, so that filling
 * one for a subscriber is a QP-encode of a short value and a Buffer concat:
 * no MIME building, no scanning of the body, per message.
 */
export function prepareMessage(input: { meta: EmailMeta; html: string; text: string; newsletter: Newsletter; date: Date }): PreparedMessage {
  const { meta, newsletter } = input;
  const digest = createHash("sha256").update(input.html).update(input.text).digest("hex");
  // "=_" cannot occur in quoted-printable text (every "=" is encoded), so this
  // boundary can never collide with the content (RFC 2045 §6.7 note).
  const boundary = `=_gazette_${meta.number}_${digest.slice(0, 24)}`;
  const fromAddress = newsletter.sender.email;
  const from = formatMailbox(fromAddress, newsletter.sender.name);
  const listId = `${encodeHeaderWords(newsletter.title)} <${listLabel(newsletter)}>`;
  const fixedHeaders = [
    `From: ${from}`,
    `Subject: ${encodeHeaderWords(meta.subject)}`,
    `Date: ${input.date.toUTCString().replace("GMT", "+0000")}`,
    "MIME-Version: 1.0",
    `List-Id: ${listId}`,
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ].join("\r\n");
  const part = (type: string) => Buffer.from(`--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`);
  const body: Segment[] = [
    Buffer.from("This is a multi-part message in MIME format.\r\n\r\n"),
    part("text/plain"),
    ...segments(input.text),
    Buffer.from("\r\n"),
    part("text/html"),
    ...segments(input.html),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ];

  return {
    from: fromAddress,
    subject: meta.subject,
    build(personal) {
      const headers =
        `${fixedHeaders}\r\nTo: ${formatMailbox(personal.email, personal.name)}\r\nMessage-ID: ${personal.messageId}\r\n` +
        `List-Unsubscribe: <${personal.unsubscribeUrl}>,\r\n <${personal.unsubscribeMailto}>\r\n\r\n`;
      const values: Record<PlaceholderName, string> = { email: personal.email, unsubscribeUrl: personal.unsubscribeUrl };
      const chunks: Buffer[] = [Buffer.from(headers)];
      for (const s of body) chunks.push(Buffer.isBuffer(s) ? s : Buffer.from(encodeQuotedPrintable(values[s], true) + "\r\n"));
      return chunks;
    },
  };
}

/** A part's text as encoded literal runs and the placeholders between them. */
function segments(text: string): Segment[] {
  const out: Segment[] = [];
  const pieces = text.split(TOKEN_RE);
  pieces.forEach((piece, i) => {
    if (i % 2 === 1) out.push(TOKEN_NAMES.get(piece)!);
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
