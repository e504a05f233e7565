import { escapeHtml } from "../html.ts";
import { entryFragment, entryHasImage, entryImage, entryTitle, feedUpdated, feedUrl, hubsOf, type FeedEntry, type FeedInput } from "./feed-input.ts";
import { cdata, el, renderXmlDocument, renderXmlFragment } from "./xml-writer.ts";

const NAMESPACES = {
  "xmlns:dc": "http://purl.org/dc/elements/1.1/",
  "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
  "xmlns:atom": "http://www.w3.org/2005/Atom",
};
const MEDIA = { "xmlns:media": "http://search.yahoo.com/mrss/" };

/** What an item is checked within on its own (build/feed-fragments.ts): its elements around it, with every namespace a feed may declare. */
export const RSS_ITEM_CONTEXT = {
  before: `<rss version="2.0"${Object.entries({ ...NAMESPACES, ...MEDIA }).map(([name, uri]) => ` ${name}="${uri}"`).join("")}><channel>`,
  after: "</channel></rss>",
};

/**
 * RSS 2.0 (RSS Advisory Board profile): content:encoded with the full issue,
 * atom:link rel="self", dc:creator for names (RSS <author> must be an email
 * address), a guid that is the stable id. Plain-text elements
 * (title, category, dc:creator…) carry `&` and `<` as the hexadecimal
 * references the profile asks for; description and content:encoded are
 * HTML, in CDATA. Pure.
 */
export function renderRss(input: FeedInput): string {
  const { newsletter } = input;
  const withImages = input.entries.some(entryHasImage);
  const channel = el(
    "channel",
    {},
    el("title", {}, newsletter.title),
    el("link", {}, newsletter.base_url),
    el("description", {}, newsletter.description),
    el("lastBuildDate", {}, feedUpdated(input).toUTCString()),
    el("docs", {}, "https://www.rssboard.org/rss-specification"),
    el("generator", {}, "Gazette"),
    el("language", {}, newsletter.language),
    newsletter.copyright === undefined ? undefined : el("copyright", {}, newsletter.copyright),
    el("atom:link", { href: feedUrl(newsletter, "rss"), rel: "self", type: "application/rss+xml" }),
    ...hubsOf(newsletter).map((hub) => el("atom:link", { href: hub, rel: "hub" })),
    ...input.entries.map((entry) => ({ raw: entryFragment(entry, `rss\0${newsletter.editor.name}`, () => renderItem(entry, newsletter.editor.name)) })),
  );
  return renderXmlDocument(el("rss", { version: "2.0", ...NAMESPACES, ...(withImages ? MEDIA : {}) }, channel), "hex");
}

/** An issue as an <item>, two levels deep (rss → channel → item). */
function renderItem(entry: FeedEntry, editor: string): string {
  const view = entry.view();
  return renderXmlFragment(
    el(
      "item",
      {},
      el("title", {}, entryTitle(view)),
      el("link", {}, view.url),
      el("guid", { isPermaLink: "false" }, view.id),
      el("pubDate", {}, new Date(view.dateIso).toUTCString()),
      el("description", {}, cdata(escapeHtml(view.description))),
      el("content:encoded", {}, cdata(entry.contentHtml())),
      ...view.tags.map((tag) => el("category", {}, tag)),
      ...[editor, ...view.contributors].map((name) => el("dc:creator", {}, name)),
      mediaContent(entryImage(view)),
    ),
    2,
    "hex",
  ).raw;
}

/** The entry's picture as Media RSS, which feed readers show as its image. */
function mediaContent(image: ReturnType<typeof entryImage>) {
  if (!image) return undefined;
  const size = image.width ? { width: String(image.width), height: String(image.height) } : {};
  const type = image.type ? { type: image.type } : {};
  const length = image.bytes ? { fileSize: String(image.bytes) } : {};
  return el("media:content", { url: image.url, medium: "image", ...type, ...size, ...length }, el("media:description", { type: "plain" }, image.alt));
}
