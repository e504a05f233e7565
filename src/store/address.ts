import { domainToASCII } from "node:url";

// One normalised form per mailbox, safe to put in a header: no CR/LF or
// other control characters (header injection), no display names, no
// comments, no lists. The domain is lower-cased and, when international,
// converted to punycode (例子.测试 → xn--fsqu00a.xn--0zwm56d); the local
// part is lower-cased too, as every mail provider that matters treats it.

export type AddressResult = { ok: true; address: string } | { ok: false; expected: string };

const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function parseAddress(input: string): AddressResult {
  if (/[\u0000-\u001f\u007f]/.test(input)) {
    return { ok: false, expected: "expected one email address with no line breaks or control characters" };
  }
  const value = input.trim();
  // RFC 5321's limit on a path, less the angle brackets.
  if (value.length > 254) return { ok: false, expected: "expected an email address of at most 254 characters" };
  const at = value.lastIndexOf("@");
  if (value === "" || at <= 0 || at === value.length - 1 || value.indexOf("@") !== at) {
    return { ok: false, expected: "expected an email address such as reader@example.org" };
  }
  const local = value.slice(0, at);
  const domainInput = value.slice(at + 1);
  if (local.length > 64 || !LOCAL_ATOM.test(local)) {
    return { ok: false, expected: "expected an email address whose part before @ is plain ASCII letters, digits, dots and !#$%&'*+/=?^_`{|}~-" };
  }
  const domain = domainToASCII(domainInput.toLowerCase());
  const labels = domain.split(".");
  if (domain === "" || domain.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    return { ok: false, expected: "expected an email address with a domain such as example.org" };
  }
  return { ok: true, address: `${local.toLowerCase()}@${domain}` };
}

export type NameResult = { ok: true; name: string | null } | { ok: false; expected: string };

/** Display names longer than this (in characters, not bytes) are refused: a name goes into the To: header. */
export const MAX_NAME_LENGTH = 100;
/** Embeddings and isolates that reorder what a mail client shows around them (U+202A-202E, U+2066-2069). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * A display name as stored: trimmed, null when empty; refused with a line
 * break or control character (it goes into a To: header), a bidirectional
 * control character (which can make "Bob" show as someone else), or more
 * than MAX_NAME_LENGTH characters. Every way in (subscribers add --name,
 * CSV import) goes through here; the sender leaves out a stored name that
 * does not pass.
 */
export function parseName(input: string | undefined | null): NameResult {
  const name = input?.trim() || null;
  if (name === null) return { ok: true, name };
  if (/[\u0000-\u001f\u007f]/.test(name)) return { ok: false, expected: "expected a name with no line breaks or control characters" };
  if (BIDI_CONTROLS.test(name)) return { ok: false, expected: "expected a name without bidirectional control characters (U+202A-U+202E, U+2066-U+2069)" };
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) return { ok: false, expected: `expected a name of at most ${MAX_NAME_LENGTH} characters; this one has ${length.toLocaleString("en-US")}` };
  return { ok: true, name };
}
