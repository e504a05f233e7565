import Parser from "rss-parser";
import { isHttpUrl } from "../model/fields.ts";
import { SaxesParser } from "saxes";
import { SourceError } from "../errors.ts";
import { htmlToPlainLine } from "./html-text.ts";

// Feed text → entries. rss-parser reads RSS 0.9x/2.0, RSS 1.0 (RDF) and
// Atom, but it is lenient: it accepts XML that is not well-formed and says
// little about why a document is not a feed. So a strict parser (saxes)
// goes first, for the line and column of any error and the root element.

export interface FeedEntry {
  title?: string;
  link?: string;
  /** guid, Atom id, rdf:about: more names for the same item. */
  ids: string[];
  /** Publication (or update) time; the feed's own date when the entry has none. */
  date?: Date;
  authors: string[];
  /** The summary as the feed gives it: HTML, or text with entities. */
  summaryHtml?: string;
}

export interface ParsedFeed {
  title?: string;
  /** The site the feed belongs to (its channel or alternate link). */
  site?: string;
  /** The feed's declared language (RSS language, dc:language, Atom xml:lang). */
  language?: string;
  entries: FeedEntry[];
}

type Node = string | { _?: string; $?: Record<string, string>; [child: string]: unknown };
interface CustomFeed {
  // Read by rss-parser without being in its types:
  lastBuildDate?: string;
  pubDate?: string;
  language?: string;
  // Asked for below:
  "dc:date"?: string;
  "dc:language"?: string;
}
interface CustomItem {
  creators?: Node[];
  authorList?: Node[];
  id?: string;
  "rdf:about"?: string;
  "content:encoded"?: string;
}

/** A parser per feed: rss-parser keeps one xml2js parser, whose state concurrent reads must not share. */
function createParser() {
  return new Parser<CustomFeed, CustomItem>({
    defaultRSS: 2,
    customFields: {
      feed: ["dc:date", "dc:language"],
      // Every author, not just the first: arXiv's RDF has one dc:creator per item listing them all; other feeds repeat the element.
      item: [["dc:creator", "creators", { keepArray: true }], ["author", "authorList", { keepArray: true }]],
    },
  });
}

const FEED_ROOTS = new Set(["rss", "rdf:RDF", "feed"]);

/** Parses a feed document; throws SourceError "not-a-feed" or "malformed". */
export async function parseFeed(text: string, from: { mediaType?: string; url?: string } = {}): Promise<ParsedFeed> {
  if (from.mediaType === "text/html" || /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html)[\s>]/i.test(text.replace(/^\uFEFF/, ""))) {
    const alternate = findFeedLink(text, from.url);
    throw new SourceError("not-a-feed", `not a feed: an HTML page${alternate ? `; it names a feed at ${alternate}` : ""}`);
  }
  const root = checkWellFormed(text);
  if (!FEED_ROOTS.has(root.name)) throw new SourceError("not-a-feed", `not a feed: the root element is <${root.name}>; expected <rss>, <rdf:RDF> or <feed>`);
  let feed: Awaited<ReturnType<ReturnType<typeof createParser>["parseString"]>>;
  try {
    feed = await createParser().parseString(text);
  } catch (err) {
    throw new SourceError("not-a-feed", `not a feed: ${(err as Error).message}`, { cause: err });
  }
  const feedDate = toDate(feed.lastBuildDate ?? feed.pubDate ?? feed["dc:date"]);
  const site = typeof feed.link === "string" ? feed.link.trim() || undefined : undefined;
  // Relative links resolve against where the feed came from; a local file has no such place, so its channel's own link stands in.
  const base = [from.url, site].find((url): url is string => url !== undefined && isHttpUrl(url));
  return {
    title: feed.title ? htmlToPlainLine(feed.title) || undefined : undefined,
    site,
    language: (feed.language ?? feed["dc:language"] ?? root.lang)?.trim() || undefined,
    entries: feed.items.map((item) => ({
      title: typeof item.title === "string" ? item.title : undefined,
      link: typeof item.link === "string" ? absoluteLink(item.link, base) : undefined,
      ids: [item.guid, item.id, item["rdf:about"]].filter((v): v is string => typeof v === "string" && v.trim() !== ""),
      date: toDate(item.isoDate) ?? feedDate,
      authors: authorsOf(item.creators ?? [], item.authorList ?? []),
      summaryHtml: [item.summary, item.content, item["content:encoded"]].find((v): v is string => typeof v === "string" && v.trim() !== ""),
    })),
  };
}

/**
 * An entry's link as an absolute http(s) URL: relative ones (Atom allows
 * them) resolved against `base`; anything else (mailto:, a relative link
 * with no http(s) base to resolve it against) dropped.
 */
function absoluteLink(value: string, base: string | undefined): string | undefined {
  try {
    const url = new URL(value.trim(), base);
    return isHttpUrl(url.href) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Root element name and xml:lang; throws "malformed" with the line and column of the first error. */
function checkWellFormed(text: string): { name: string; lang?: string } {
  const sax = new SaxesParser({ position: true });
  let root: { name: string; lang?: string } | undefined;
  let error: Error | undefined;
  sax.on("error", (e) => void (error ??= e));
  sax.on("opentag", (tag) => void (root ??= { name: tag.name, lang: tag.attributes["xml:lang"] as string | undefined }));
  const body = text.replace(/^\uFEFF/, "");
  const start = /^\s*(\S[^\r\n]{0,30})/.exec(body)?.[1];
  if (start !== undefined && !start.startsWith("<")) {
    // CSV, JSON or plain text: saxes would say "text data outside of root node", true but no help.
    throw new SourceError("not-a-feed", `not a feed: no XML in it (it starts ${JSON.stringify(start)}); expected RSS or Atom`);
  }
  sax.write(body).close();
  if (error) {
    const m = /^(\d+):(\d+): (.*?)\.?$/s.exec(error.message);
    const at = m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
    // saxes reads a bare "&" as the start of an entity name running to the next ";" and only fails far on
    // (at the end of the document, as an unclosed tag); the "&" is where the XML first went wrong.
    const amp = firstBareAmpersand(body);
    if (amp && (!at || amp.line < at.line || (amp.line === at.line && amp.column <= at.column))) {
      throw new SourceError("malformed", `malformed XML at line ${amp.line}, column ${amp.column}: a bare "&" (write it as &amp;)`, { cause: error });
    }
    throw new SourceError("malformed", m ? `malformed XML at line ${m[1]}, column ${m[2]}: ${m[3]}` : `malformed XML: ${error.message}`, { cause: error });
  }
  if (!root) throw new SourceError("not-a-feed", "not a feed: no XML element in it");
  return root;
}

/** Line and (1-based) column of the first "&" outside CDATA, comments and processing instructions that starts no character or entity reference. */
function firstBareAmpersand(xml: string): { line: number; column: number } | undefined {
  const token = /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)|<\?[\s\S]*?(?:\?>|$)|&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_:][\w.:-]*;)/g;
  for (const m of xml.matchAll(token)) {
    if (m[0] !== "&") continue;
    const before = xml.slice(0, m.index);
    const lineStart = before.lastIndexOf("\n") + 1;
    return { line: before.split("\n").length, column: m.index - lineStart + 1 };
  }
  return undefined;
}

/** Names from dc:creator (one element listing several, or one each) or RSS/Atom author elements. */
function authorsOf(creators: Node[], authors: Node[]): string[] {
  const fromCreators = creators.map(textOf).filter(Boolean);
  if (fromCreators.length === 1) return splitNames(fromCreators[0]!);
  if (fromCreators.length > 1) return fromCreators;
  return authors
    .map((a) => (typeof a === "object" && Array.isArray(a.name) ? textOf(a.name[0] as Node) : textOf(a)))
    .map((a) => /\(([^)]+)\)\s*$/.exec(a)?.[1] ?? a) // RSS: "editor@example.org (Ada Lovelace)"
    .filter((a) => a !== "" && !/^\S+@\S+$/.test(a));
}

function splitNames(list: string): string[] {
  return list
    .split(/\s*(?:[,;，；、]|\band\b)\s*/)
    .map((n) => n.trim())
    .filter(Boolean);
}

/** The text of an xml2js node: a string, its `_`, or its child elements' text (arXiv's <a> per author). */
function textOf(node: Node | undefined): string {
  if (node === undefined) return "";
  if (typeof node === "string") return htmlToPlainLine(node);
  const children = Object.entries(node).filter(([key]) => key !== "_" && key !== "$").flatMap(([, value]) => (Array.isArray(value) ? value : []));
  if (children.length > 0) return children.map((c) => textOf(c as Node)).join(", ");
  return htmlToPlainLine(node._ ?? "");
}

function toDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The feed an HTML page announces with <link rel="alternate" type="application/rss+xml">, made absolute. */
function findFeedLink(html: string, pageUrl: string | undefined): string | undefined {
  for (const tag of html.match(/<link\b[^>]*>/gi) ?? []) {
    if (!/\brel\s*=\s*["']?alternate/i.test(tag) || !/\btype\s*=\s*["']?application\/(rss|atom)\+xml/i.test(tag)) continue;
    const href = /\bhref\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1];
    if (!href) continue;
    const decoded = htmlToPlainLine(href);
    try {
      return pageUrl ? new URL(decoded, pageUrl).href : decoded;
    } catch {
      return decoded;
    }
  }
  return undefined;
}
