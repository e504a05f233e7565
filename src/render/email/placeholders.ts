import { escapeHtml } from "../html.ts";

// Per-subscriber values in a built email. The build writes these tokens into
// the HTML and text parts; the sender fills them with one pass of a regular
// expression per message, with no Handlebars or MJML work per subscriber.
// Tokens are plain ASCII with no characters HTML, URL or quoted-printable
// encoding would touch, and mjml's minifier leaves [[ ]] alone.

export const PLACEHOLDERS = {
  /** The subscriber's address, e.g. in "why you get this mail". */
  email: "[[gazette:email]]",
  /** The subscriber's signed one-click unsubscribe page (issue emails). */
  unsubscribeUrl: "[[gazette:unsubscribe_url]]",
  /** The signed, expiring link that confirms a signup (the confirmation email). */
  confirmUrl: "[[gazette:confirm_url]]",
} as const;

export type PlaceholderName = keyof typeof PLACEHOLDERS;
export type PlaceholderValues = Partial<Record<PlaceholderName, string>>;

/** The placeholders each kind of email carries. */
export const ISSUE_PLACEHOLDERS = { email: PLACEHOLDERS.email, unsubscribeUrl: PLACEHOLDERS.unsubscribeUrl } as const;
export const CONFIRM_PLACEHOLDERS = { email: PLACEHOLDERS.email, confirmUrl: PLACEHOLDERS.confirmUrl } as const;

const TOKEN_RE = /\[\[gazette:(email|unsubscribe_url|confirm_url)\]\]/g;
const NAME_OF: Record<string, PlaceholderName> = { email: "email", unsubscribe_url: "unsubscribeUrl", confirm_url: "confirmUrl" };

/**
 * Fills every placeholder. In HTML the values are escaped, so an address
 * with & or ' cannot break the markup. A placeholder without a value is an
 * error: no mail may go out with one left in.
 */
export function fillPlaceholders(template: string, values: PlaceholderValues, format: "html" | "text"): string {
  return template.replace(TOKEN_RE, (token, key: string) => {
    const value = values[NAME_OF[key]!];
    if (value === undefined) throw new Error(`no value for ${token}`);
    return format === "html" ? escapeHtml(value) : value;
  });
}

/** Placeholders still present (none should be after filling). */
export function findPlaceholders(text: string): string[] {
  return [...text.matchAll(/\[\[gazette:[a-z_]+\]\]/g)].map((m) => m[0]);
}
