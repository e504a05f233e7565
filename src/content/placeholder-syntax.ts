// The email's per-reader placeholders ([[gazette:email]] and the like) are
// the templates' alone: placeholder syntax in content is shown as text and
// never filled (see src/render/email/placeholders.ts). `gazette check`
// says where it stands, as a warning: an item copied from someone else's
// feed may carry it on purpose. Written escaped too (\[\[ in Markdown,
// &#91; as a character reference), it still counts.

const BRACKET = String.raw`(?:\[|\\\[|&#0*91;|&#x0*5b;|&lsqb;|&lbrack;)`;
const SYNTAX = new RegExp(`${BRACKET}${BRACKET}gazette:[^\\s\\]]{0,40}(?:\\]|\\\\\\]|&#0*93;|&#x0*5d;|&rsqb;|&rbrack;){0,2}`, "gi");

/** The same syntax, for a yes-or-no test (no lastIndex to carry between calls). */
const ANY_SYNTAX = new RegExp(SYNTAX.source, "i");

/** The placeholder syntax in one piece of text, as written. */
export function placeholderSyntaxIn(text: string): string[] {
  return text.match(SYNTAX) ?? [];
}

/**
 * Whether `text` holds placeholder syntax anywhere. No match spans a line
 * break (none of its parts matches one), so a text without any has no line
 * with any.
 */
export function hasPlaceholderSyntax(text: string): boolean {
  return ANY_SYNTAX.test(text);
}

/** The warning's text. */
export function placeholderWarning(found: string[]): string {
  const shown = [...new Set(found)].map((f) => JSON.stringify(f)).join(", ");
  return `holds placeholder syntax (${shown}): only the email templates place per-reader values, so it is shown as text and never filled`;
}
