// Per-subscriber values in a built email. The build writes these tokens into
// the HTML and text parts; the sender fills them with one pass of a regular
// expression per message, with no Handlebars or MJML work per subscriber.
// Tokens are plain ASCII with no characters HTML, URL or quoted-printable
// encoding would touch, and mjml's minifier leaves [[ ]] alone.

export const PLACEHOLDERS = {
  /** The subscriber's address, e.g. in "why you get this mail". */
  email: "[[gazette:email]]",
  /** The subscriber's signed one-click unsubscribe page. */
  unsubscribeUrl: "[[gazette:unsubscribe_url]]",
} as const;

export type PlaceholderName = keyof typeof PLACEHOLDERS;
export type PlaceholderValues = Record<PlaceholderName, string>;

const TOKEN_RE = /\[\[gazette:(email|unsubscribe_url)\]\]/g;
const NAME_OF: Record<string, PlaceholderName> = { email: "email", unsubscribe_url: "unsubscribeUrl" };

/**
 * Fills every placeholder. In HTML the values are escaped, so an address
 * with & or ' cannot break the markup.
 */
export function fillPlaceholders(template: string, values: PlaceholderValues, format: "html" | "text"): string {
  return template.replace(TOKEN_RE, (_, key: string) => {
    const value = values[NAME_OF[key]!];
    return format === "html" ? escapeHtmlAttr(value) : value;
  });
}

/** Placeholders still present (none should be after filling). */
export function findPlaceholders(text: string): string[] {
  return [...text.matchAll(/\[\[gazette:[a-z_]+\]\]/g)].map((m) => m[0]);
}

function escapeHtmlAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
