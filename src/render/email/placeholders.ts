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
  /**
   * Where gazette serve is reached, ending in "/": the same for every reader
   * (not personal), filled at send time like the unsubscribe link's base.
   * Only the build's click-link rewriting writes it (see click-links.ts).
   */
  linkBase: "[[gazette:link_base]]",
} as const;

export type PlaceholderName = keyof typeof PLACEHOLDERS;
export type PlaceholderValues = Partial<Record<PlaceholderName, string>>;

/** The placeholders each kind of email carries. */
export const ISSUE_PLACEHOLDERS = { email: PLACEHOLDERS.email, unsubscribeUrl: PLACEHOLDERS.unsubscribeUrl } as const;
export const CONFIRM_PLACEHOLDERS = { email: PLACEHOLDERS.email, confirmUrl: PLACEHOLDERS.confirmUrl } as const;

const TOKEN_RE = /\[\[gazette:(email|unsubscribe_url|confirm_url|link_base)\]\]/g;
const NAME_OF: Record<string, PlaceholderName> = { email: "email", unsubscribe_url: "unsubscribeUrl", confirm_url: "confirmUrl", link_base: "linkBase" };

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

// Content cannot place a per-reader value. An issue's text (an item that
// `gazette draft` took from someone else's feed, say) may hold
// "[[gazette:email]]"; were it filled, a link to another host would carry
// every reader's address or signed unsubscribe link. So the templates are
// rendered with one-off markers instead of the tokens: the tokens with
// "gazette" replaced by a word of the same length that nobody can know in
// advance (so wrapping is unchanged); afterwards every "[[gazette:" left in
// the output, which can only have come from content, whatever field or
// escaping brought it there, is neutralised, and only then do the markers
// become the tokens the sender fills.

/** A fresh one-off word for the markers: seven random lower-case letters, never "gazette". */
export function newMarkerWord(random: (n: number) => Uint8Array): string {
  for (;;) {
    const word = [...random(7)].map((b) => String.fromCharCode(97 + (b % 26))).join("");
    if (word !== "gazette") return word;
  }
}

/** The tokens as the templates get them while rendering. */
export function placeholderMarkers<T extends Record<string, string>>(tokens: T, word: string): T {
  return Object.fromEntries(Object.entries(tokens).map(([name, token]) => [name, token.replace("[[gazette:", `[[${word}:`)])) as T;
}

/**
 * Neutralises placeholder syntax that came from content, then turns the
 * markers into the real tokens. In HTML the brackets become character
 * references (shown, and followed as links, the same); in text a word
 * joiner (U+2060, invisible) goes between them.
 */
export function sealPlaceholders(rendered: string, word: string, format: "html" | "text"): string {
  const inert = format === "html" ? "&#91;&#91;gazette:" : "[\u2060[gazette:";
  return rendered.replaceAll("[[gazette:", inert).replaceAll(`[[${word}:`, "[[gazette:");
}

/** Placeholders still present (none should be after filling). */
export function findPlaceholders(text: string): string[] {
  return [...text.matchAll(/\[\[gazette:[a-z_]+\]\]/g)].map((m) => m[0]);
}
