import { Parser } from "htmlparser2";
import MarkdownIt from "markdown-it";

// The links a reader can follow in each part of a message, compared as
// URLs (serialised by the URL parser, so one address written two ways is
// one link). Per-reader placeholders ([[gazette:unsubscribe_url]]) count
// as links in both parts.

/** The placeholders that stand for a per-reader URL (not, say, the reader's address). */
const URL_PLACEHOLDER = /\[\[gazette:[a-z_]+_url\]\]/g;

/**
 * Every href of an <a> in the HTML part, entities decoded, and every
 * picture's src: a text part cannot show a picture, so it names each one
 * with its URL.
 */
export function htmlLinks(html: string): Set<string> {
  const out = new Set<string>();
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === "a" && attributes.href !== undefined) out.add(normalise(attributes.href));
      if (name === "img" && attributes.src !== undefined) out.add(normalise(attributes.src));
    },
  });
  parser.write(html);
  parser.end();
  return out;
}

// What a mail client makes clickable in plain text: linkify-it (markdown-it's),
// with no guessing of scheme-less hosts.
const linkify = new MarkdownIt().linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

/** Every URL a mail client would find in the text part, and the placeholders. */
export function textLinks(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of linkify.match(text) ?? []) out.add(normalise(match.url));
  for (const match of text.matchAll(URL_PLACEHOLDER)) out.add(match[0]);
  return out;
}

function normalise(url: string): string {
  if (/^\[\[gazette:[a-z_]+\]\]$/.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}
