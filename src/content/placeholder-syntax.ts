// The email's per-reader placeholders ([[gazette:email]] and the like) are
// the templates' alone: placeholder syntax in content is shown as text and
// never filled (see src/render/email/placeholders.ts). `gazette check`
// says where it stands, as a warning: an item copied from someone else's
// feed may carry it on purpose. Written escaped too (\[\[ in Markdown,
// &#91; as a character reference), it still counts.

const BRACKET = String.raw`(?:\[|\\\[|&#0*91;|&#x0*5b;|&lsqb;|&lbrack;)`;
const SYNTAX = new RegExp(`${BRACKET}${BRACKET}gazette:[^\\s\\]]{0,40}(?:\\]|\\\\\\]|&#0*93;|&#x0*5d;|&rsqb;|&rbrack;){0,2}`, "gi");

/** The placeholder syntax in one piece of text, as written. */
export function placeholderSyntaxIn(text: string): string[] {
  return text.match(SYNTAX) ?? [];
}

/** Every string in parsed data that holds placeholder syntax, by path. */
export function findPlaceholderSyntax(data: unknown, at: (string | number)[] = []): { path: (string | number)[]; found: string[] }[] {
  if (typeof data === "string") {
    const found = placeholderSyntaxIn(data);
    return found.length > 0 ? [{ path: at, found }] : [];
  }
  if (data === null || typeof data !== "object") return [];
  const entries: [string | number, unknown][] = Array.isArray(data) ? data.map((v, i) => [i, v]) : Object.entries(data);
  return entries.flatMap(([key, value]) => findPlaceholderSyntax(value, [...at, key]));
}

/** The warning's text. */
export function placeholderWarning(found: string[]): string {
  const shown = [...new Set(found)].map((f) => JSON.stringify(f)).join(", ");
  return `holds placeholder syntax (${shown}): only the email templates place per-reader values, so it is shown as text and never filled`;
}
