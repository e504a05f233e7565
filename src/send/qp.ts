// Quoted-printable (RFC 2045 §6.7) and encoded words (RFC 2047), written
// for the sender's one-encode-per-issue path: bodies are encoded once, and
// only the few per-subscriber values are encoded per message.

const SAFE = new Uint8Array(256);
for (let b = 33; b <= 126; b++) SAFE[b] = 1;
SAFE[61] = 0; // "="
const HEX = "0123456789ABCDEF";

/**
 * Encodes text as quoted-printable lines of at most 76 characters joined by
 * CRLF. Line breaks in the text become hard breaks; with `softEnd` the
 * result ends in a soft break ("=" CRLF), so whatever follows starts a line.
 */
export function encodeQuotedPrintable(text: string, softEnd = false): string {
  const out: string[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  lines.forEach((line, index) => {
    const bytes = Buffer.from(line, "utf8");
    let current = "";
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      const last = i === bytes.length - 1;
      const token = SAFE[b] || ((b === 32 || b === 9) && !last) ? String.fromCharCode(b) : `=${HEX[b >> 4]}${HEX[b & 15]}`;
      if (current.length + token.length > 75) {
        out.push(`${current}=`);
        current = "";
      }
      current += token;
    }
    const isLast = index === lines.length - 1;
    if (isLast && softEnd) out.push(`${current}=`);
    else if (!isLast || current !== "") out.push(current);
  });
  if (softEnd && out.length === 0) return "";
  return out.join("\r\n");
}

/** A header value as RFC 2047 encoded words when it is not plain ASCII; folded to 76 columns. */
export function encodeHeaderWords(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = "";
  for (const char of value) {
    // 45 bytes of UTF-8 make 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" = 72.
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, "utf8").toString("base64")}?=`).join("\r\n ");
}

/** "Name" <address>, the name encoded when it needs to be. */
export function formatMailbox(address: string, name?: string | null): string {
  if (!name) return `<${address}>`;
  const phrase = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, "\\$&")}"` : encodeHeaderWords(name);
  return `${phrase} <${address}>`;
}
