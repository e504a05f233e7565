import type { Newsletter } from "../model/newsletter.ts";
import { el, renderXmlDocument } from "./feeds/xml-writer.ts";

// What crawlers and feed readers read to find everything: sitemap.xml,
// robots.txt and feeds.opml. Only published pages are listed; dates come
// from the content, never the clock. Pure.

export interface SitemapEntry {
  /** Absolute URL. */
  url: string;
  /** RFC 3339: when what the page shows last changed. */
  lastmod: string;
}

/** sitemap.xml (sitemaps.org 0.9). */
export function renderSitemap(entries: SitemapEntry[]): string {
  const urls = entries.map((e) => el("url", {}, el("loc", {}, e.url), el("lastmod", {}, e.lastmod)));
  return renderXmlDocument(el("urlset", { xmlns: "http://www.sitemaps.org/schemas/sitemap/0.9" }, ...urls), "named");
}

/** robots.txt: everything may be crawled (drafts say noindex themselves); where the sitemap is. */
export function renderRobots(newsletter: Newsletter): string {
  return `User-agent: *\nAllow: /\n\nSitemap: ${new URL("sitemap.xml", newsletter.base_url).href}\n`;
}

export interface OpmlFeed {
  title: string;
  /** The RSS feed's absolute URL. */
  xmlUrl: string;
  /** The page the feed follows. */
  htmlUrl: string;
}

/** feeds.opml (OPML 2.0): every feed, main first then one per topic, for importing at once. */
export function renderOpml(newsletter: Newsletter, feeds: OpmlFeed[], dateCreated: Date): string {
  const head = el("head", {}, el("title", {}, newsletter.title), el("dateCreated", {}, dateCreated.toUTCString()));
  const outlines = feeds.map((f) => el("outline", { type: "rss", version: "RSS2", text: f.title, title: f.title, xmlUrl: f.xmlUrl, htmlUrl: f.htmlUrl }));
  return renderXmlDocument(el("opml", { version: "2.0" }, head, el("body", {}, ...outlines)), "named");
}
