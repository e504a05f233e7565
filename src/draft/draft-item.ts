import type { z } from "zod";
import { shorten } from "../errors.ts";
import type { ItemSchema } from "../model/issue.ts";
import type { DraftLabels } from "./labels.ts";
import { htmlToPlainLine, parseHtmlText, renderMarkdownParagraphs } from "./html-text.ts";
import { itemKeys, linkUrls, normalizeUrl, parseArxivId, typeLink } from "./links.ts";
import type { FeedEntry, ParsedFeed } from "./parse-feed.ts";

// One feed entry → one issue item, as the editor will find it in the draft.
// Pure.

/** An item as written to the draft's front matter (defaults left out). */
export type DraftItem = z.input<typeof ItemSchema>;

export interface Candidate {
  item: DraftItem;
  /** Comparison keys (normalised links, arXiv ids): equal keys, same item. */
  keys: string[];
  date?: Date;
}

export interface ItemContext {
  feed: ParsedFeed;
  /** How the source was named (URL or file), noted on the item. */
  source: string;
  /** The language items are in unless they say otherwise (source_language ?? language). */
  defaultLang: string;
  labels: DraftLabels;
}

/** Longest summary kept, in characters; a full blog post is cut near here. */
const SUMMARY_CHARS = 2000;
/** More authors than this are shortened to the first three and "et al.", as issues do. */
const MAX_AUTHORS = 4;

export function toCandidate(entry: FeedEntry, context: ItemContext): Candidate {
  const title = cleanTitle(entry.title ?? "") || context.labels.untitled;
  const summary = parseHtmlText(entry.summaryHtml ?? "");
  const authors = entry.authors.length > MAX_AUTHORS ? entry.authors.slice(0, 3) : entry.authors;
  const lang = itemLang(context.feed.language, title, context.defaultLang);
  const item: DraftItem = {
    title,
    ...(lang ? { lang } : {}),
    ...(authors.length > 0 ? { authors } : {}),
    ...(entry.authors.length > MAX_AUTHORS ? { et_al: true } : {}),
    summary: renderMarkdownParagraphs(summary.paragraphs, SUMMARY_CHARS) || context.labels.noSummary,
    links: linksFor(entry.link, summary.links, context.feed),
    source: context.source,
  };
  // The same rule as for items already in issues (knownItemKeys): every link the item ends up with.
  const keys = itemKeys([...(entry.link ? [entry.link] : []), ...linkUrls(item.links)], entry.ids);
  return { item, keys: keys.length > 0 ? keys : [`title:${title.toLowerCase()}`], date: entry.date };
}

/** The entry's own link by host, plus the one arXiv paper and one GitHub repository its summary links to, if unambiguous. */
function linksFor(link: string | undefined, summaryLinks: string[], feed: ParsedFeed): DraftItem["links"] {
  const links: NonNullable<DraftItem["links"]> = {};
  if (link) {
    const typed = typeLink(link);
    const arxiv = parseArxivId(link);
    if (typed.kind === "other") {
      if (arxiv) links.paper = `https://arxiv.org/abs/${arxiv.id}${arxiv.version ?? ""}`;
      links.other = [{ label: labelFor(typed.url, feed), url: typed.url }];
    } else {
      links[typed.kind] = typed.url;
    }
  }
  const typed = summaryLinks.filter((href) => /^https?:\/\//i.test(href)).map(typeLink);
  const papers = distinct(typed.filter((l) => l.kind === "paper").map((l) => l.url), (url) => parseArxivId(url)?.id);
  const repos = distinct(typed.filter((l) => l.kind === "code").map((l) => l.url), (url) => normalizeUrl(url)?.split("/").slice(0, 3).join("/"));
  if (!links.paper && papers.length === 1) links.paper = papers[0];
  if (!links.code && repos.length === 1) links.code = repos[0];
  const { code, paper, hub, other } = links; // in the order issues list them
  return { ...(code ? { code } : {}), ...(paper ? { paper } : {}), ...(hub ? { hub } : {}), ...(other ? { other } : {}) };
}

/** The feed's title for links to its own site; else the link's host. */
function labelFor(url: string, feed: ParsedFeed): string {
  const host = safeHost(url) ?? url;
  const siteHost = feed.site ? safeHost(feed.site) : undefined;
  return feed.title && siteHost === host ? shorten(feed.title, 40) : host;
}

/** Titles are text, but feeds put markup and entities in them; arXiv adds "(arXiv:… [cs.LG])". */
function cleanTitle(raw: string): string {
  const looksLikeHtml = /<\/?(a|abbr|b|br|cite|code|em|font|i|mark|q|s|small|span|strong|sub|sup|u)\b[^>]*>|&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/i.test(raw);
  const text = looksLikeHtml ? htmlToPlainLine(raw) : raw.replace(/\s+/g, " ").trim();
  const withoutArxiv = text.replace(/\.?\s*\(arXiv:[^)]*\)$/, "");
  return withoutArxiv;
}

/** A lang for the item when its feed (or its script) says it is not in the default language. */
function itemLang(feedLanguage: string | undefined, title: string, defaultLang: string): string | undefined {
  const primary = (tag: string) => tag.split("-")[0]!.toLowerCase();
  let lang: string | undefined;
  try {
    lang = feedLanguage ? Intl.getCanonicalLocales(feedLanguage)[0] : undefined;
  } catch {
    lang = undefined;
  }
  if (!lang && /\p{Script=Han}/u.test(title) && !/[a-z]{4,}/i.test(title)) lang = "zh";
  return lang && primary(lang) !== primary(defaultLang) ? lang : undefined;
}

/** The first URL of each kind `key` tells apart. */
function distinct(urls: string[], key: (url: string) => string | undefined): string[] {
  const byKey = new Map<string, string>();
  for (const url of urls) {
    const k = key(url) ?? url;
    if (!byKey.has(k)) byKey.set(k, url);
  }
  return [...byKey.values()];
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return undefined;
  }
}
