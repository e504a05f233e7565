import { PLACEHOLDERS } from "./placeholders.ts";

// Click counting (analytics.clicks): every content link of a built issue
// email goes through gazette serve's /r/<issue>/<n>, where n is the link's
// number in the issue's link table (1 = the first). The table is written
// beside the email and is all the server will redirect to. The URL carries
// the issue and the link only, never who the reader is. Run on the finished
// parts (after the placeholders are sealed), so the shapes that compile the
// HTML are untouched and content cannot bring the link-base token with it:
// content's "[[gazette:" was neutralised before this runs. Pure.

export interface RedirectedEmail {
  html: string;
  text: string;
  /** The link table: links[n - 1] is where /r/<issue>/<n> goes. */
  links: string[];
}

/** The link a reader follows for link n of an issue, before the sender fills the base. */
export function clickPath(issue: number, n: number): string {
  return `${PLACEHOLDERS.linkBase}r/${issue}/${n}`;
}

const ANCHOR = /<a\b[^>]*>/gi;
const HREF = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')/i;
const TEXT_URL = /https?:\/\/[^\s<>"]+/g;

/**
 * Points every http(s) link of the HTML and text parts at its /r/ URL,
 * except `keep` (the issue's own page, the archive, the feeds): those are
 * the newsletter's pages, not what readers chose, and view-in-browser must
 * work as it is. The unsubscribe link is a placeholder, not http(s), so it
 * is never touched, nor is mailto:. Links are numbered in the HTML part's
 * order; the text part (which has every link of the HTML part) gets the
 * same /r/ link for the same URL.
 */
export function redirectEmailLinks(parts: { html: string; text: string }, issue: number, keep: Iterable<string>): RedirectedEmail {
  const kept = new Set([...keep].map(normalise));
  const numbers = new Map<string, number>();
  const links: string[] = [];
  const numberOf = (url: string): number | undefined => {
    const key = normalise(url);
    if (!/^https?:\/\//i.test(key) || kept.has(key)) return undefined;
    let n = numbers.get(key);
    if (n === undefined) {
      n = links.push(key);
      numbers.set(key, n);
    }
    return n;
  };
  const html = parts.html.replace(ANCHOR, (tag) =>
    tag.replace(HREF, (attr, lead: string, dq?: string, sq?: string) => {
      const n = numberOf(unescapeHtml(dq ?? sq ?? ""));
      return n === undefined ? attr : `${lead}"${clickPath(issue, n)}"`;
    }),
  );
  // The text part follows the HTML's links only: a URL it gives that the HTML
  // does not link (a picture's address) stays as it is.
  const text = parts.text.replace(TEXT_URL, (url) => {
    const n = numbers.get(normalise(url));
    return n === undefined ? url : clickPath(issue, n);
  });
  return { html, text, links };
}

/** The URL as the URL parser writes it, so the HTML's and the text's spelling of one link agree. */
function normalise(url: string): string {
  try {
    return new URL(url.trim()).href;
  } catch {
    return url.trim();
  }
}

function unescapeHtml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (entity, body: string) => {
    const lower = body.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(Number(lower.slice(1)));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower] ?? entity;
  });
}
