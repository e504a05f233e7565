import type { Person } from "../../model/newsletter.ts";
import { entryFragment, entryImage, entryTitle, feedUpdated, feedUrl, hubsOf, type FeedEntry, type FeedInput } from "./feed-input.ts";
import { cdata, el, renderXmlDocument, renderXmlFragment, type XmlElement } from "./xml-writer.ts";

const ATOM = "http://www.w3.org/2005/Atom";

/** What an entry is checked within on its own (build/feed-fragments.ts): the feed element around it. */
export const ATOM_ENTRY_CONTEXT = { before: `<feed xmlns="${ATOM}">`, after: "</feed>" };

/**
 * Atom 1.0 (RFC 4287): feed and entries each with an author, stable ids,
 * a self link, xml:lang, categories with a term. Titles, summaries and
 * names are text constructs (type="text", XML-escaped), so every reader
 * shows them as written; the content is the HTML. Pure.
 */
export function renderAtom(input: FeedInput): string {
  const { newsletter } = input;
  const author = person("author", newsletter.editor);
  const feed = el(
    "feed",
    { xmlns: ATOM, "xml:lang": newsletter.language },
    el("id", {}, newsletter.id),
    el("title", { type: "text" }, newsletter.title),
    el("subtitle", { type: "text" }, newsletter.description),
    el("updated", {}, feedUpdated(input).toISOString()),
    el("generator", {}, "Gazette"),
    author,
    el("link", { rel: "alternate", type: "text/html", href: newsletter.base_url }),
    el("link", { rel: "self", type: "application/atom+xml", href: feedUrl(newsletter, "atom") }),
    ...hubsOf(newsletter).map((hub) => el("link", { rel: "hub", href: hub })),
    newsletter.copyright === undefined ? undefined : el("rights", { type: "text" }, newsletter.copyright),
    ...input.entries.map((entry) => ({ raw: entryFragment(entry, `atom\0${JSON.stringify(newsletter.editor)}`, () => renderEntry(entry, author)) })),
  );
  return renderXmlDocument(feed, "named");
}

/** An issue as an <entry>, one level deep (feed → entry). */
function renderEntry(entry: FeedEntry, author: XmlElement): string {
  const view = entry.view();
  return renderXmlFragment(
    el(
      "entry",
      {},
      el("id", {}, view.id),
      el("title", { type: "text" }, entryTitle(view)),
      el("link", { rel: "alternate", type: "text/html", href: view.url }),
      enclosure(entryImage(view)),
      el("published", {}, new Date(view.dateIso).toISOString()),
      el("updated", {}, new Date(view.updatedIso).toISOString()),
      author,
      ...view.contributors.map((name) => person("contributor", { name })),
      el("summary", { type: "text" }, view.description),
      el("content", { type: "html" }, cdata(entry.contentHtml())),
      ...view.tags.map((tag) => el("category", { term: tag })),
    ),
    1,
    "named",
  ).raw;
}

/** The entry's picture as a link rel="enclosure" (RFC 4287 4.2.7.2), length when known. */
function enclosure(image: ReturnType<typeof entryImage>): XmlElement | undefined {
  if (!image) return undefined;
  return el("link", { rel: "enclosure", href: image.url, ...(image.type ? { type: image.type } : {}), ...(image.bytes ? { length: String(image.bytes) } : {}), title: image.alt });
}

function person(role: "author" | "contributor", p: Pick<Person, "name"> & Partial<Person>): XmlElement {
  return el(
    role,
    {},
    el("name", {}, p.name),
    p.email === undefined ? undefined : el("email", {}, p.email),
    p.url === undefined ? undefined : el("uri", {}, p.url),
  );
}
