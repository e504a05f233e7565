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

/** A display name as stored: trimmed, null when empty, refused with a line break or control character (it goes into a To: header). */
export function parseName(input: string | undefined): NameResult {
  const name = input?.trim() || null;
  if (name && /[\u0000-\u001f\u007f]/.test(name)) return { ok: false, expected: "expected a name with no line breaks or control characters" };
  return { ok: true, name };
}
