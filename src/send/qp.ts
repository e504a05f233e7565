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

/** RFC 5322: lines SHOULD stay within 78 characters and MUST within 998. */
const LINE = 78;

/**
 * A header value (unstructured text, such as Subject) folded so that no
 * line passes 78 characters: plain ASCII folds at its spaces, the rest
 * becomes RFC 2047 encoded words, one per line. `used`: what the line
 * already holds before the value ("Subject: " is 9).
 */
export function encodeHeaderWords(value: string, used = 0): string {
  if (/^[\x20-\x7e]*$/.test(value)) {
    if (used + value.length <= LINE) return value;
    const folded = foldAtSpaces(value, used);
    if (folded !== undefined) return folded;
  }
  return encodedWords(value, used);
}

/** Folds ASCII text at its spaces (each fold puts CRLF before a space); undefined when a word is too long for a line of its own. */
function foldAtSpaces(value: string, used: number): string | undefined {
  const lines: string[] = [];
  let line = "";
  let room = LINE - used;
  for (const [i, word] of value.split(" ").entries()) {
    const piece = i === 0 ? word : ` ${word}`;
    if (line !== "" && line.length + piece.length > room) {
      lines.push(line);
      line = piece;
      room = LINE;
    } else {
      line += piece;
    }
  }
  lines.push(line);
  // A word too long for a line of its own: encoded words, which can be cut anywhere, fold better.
  if (lines.some((l, i) => l.length > (i === 0 ? LINE - used : LINE))) return undefined;
  return lines.join("\r\n");
}

/** Encoded words, one per line: 45 bytes of UTF-8 make 60 base64 characters, "=?UTF-8?B?" + 60 + "?=" = 72; the first shorter when the line is partly used. */
function encodedWords(value: string, used = 0): string {
  const words: string[] = [];
  let chunk = "";
  let budget = Math.max(3, Math.min(45, Math.floor((LINE - used - 12) / 4) * 3));
  for (const char of value) {
    if (chunk !== "" && Buffer.byteLength(chunk + char) > budget) {
      words.push(chunk);
      chunk = "";
      budget = 45;
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, "utf8").toString("base64")}?=`).join("\r\n ");
}

/**
 * "Name" <address>: a short ASCII name quoted, any other as encoded words
 * (which fold); the address on a line of its own when it would not fit.
 * `used`: what the line holds before it ("To: " is 4).
 */
export function formatMailbox(address: string, name?: string | null, used = 4): string {
  if (!name) return `<${address}>`;
  const quoted = `"${name.replace(/["\\]/g, "\\$&")}"`;
  // Plain ASCII stays a quoted string, folded at its spaces when long (RFC 5322 allows folding white space inside one).
  const ascii = /^[\x20-\x7e]*$/.test(name) ? (used + quoted.length <= LINE - 2 ? quoted : foldAtSpaces(quoted, used)) : undefined;
  const phrase = ascii ?? encodedWords(name, used);
  const lastLine = phrase.includes("\n") ? phrase.slice(phrase.lastIndexOf("\n") + 1).length : used + phrase.length;
  return `${phrase}${lastLine + address.length + 3 > LINE ? "\r\n " : " "}<${address}>`;
}
