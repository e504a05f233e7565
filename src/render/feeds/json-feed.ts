import { entryFragment, entryImage, entryTitle, feedUrl, type FeedEntry, type FeedInput } from "./feed-input.ts";

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written from the model:
 * `feed` only knows version 1. Pure; key order is fixed, so identical
 * content gives identical bytes.
 */
export function renderJsonFeed(input: FeedInput): string {
  const { newsletter } = input;
  const editor = { name: newsletter.editor.name, ...(newsletter.editor.url ? { url: newsletter.editor.url } : {}) };
  const feed = {
    version: "https://jsonfeed.org/version/1.1",
    title: newsletter.title,
    home_page_url: newsletter.base_url,
    feed_url: feedUrl(newsletter, "json"),
    description: newsletter.description,
    language: newsletter.language,
    authors: [editor],
    ...(newsletter.websub ? { hubs: newsletter.websub.hubs.map((url) => ({ type: "WebSub", url })) } : {}),
    items: [] as unknown[],
  };
  // Each item is written once per entry (the main feed and every topic's carry the same
  // issues), indented as it stands in the document: two levels deep.
  const items = input.entries.map((entry) =>
    entryFragment(entry, `json\0${JSON.stringify([editor, newsletter.language])}`, () => JSON.stringify(item(entry, editor, newsletter.language), null, 2).replaceAll("\n", "\n    ")),
  );
  const head = JSON.stringify(feed, null, 2);
  if (items.length === 0) return `${head}\n`;
  // "items" is the last key: its empty list closes the document.
  return `${head.slice(0, -"[]\n}".length)}[\n    ${items.join(",\n    ")}\n  ]\n}\n`;
}

function item(entry: FeedEntry, editor: { name: string; url?: string }, language: string) {
  const view = entry.view();
  const contentHtml = entry.contentHtml();
  return {
    id: view.id,
    url: view.url,
    title: entryTitle(view),
    content_html: contentHtml,
    summary: view.description,
    ...(entryImage(view) ? { image: entryImage(view)!.url } : {}),
    date_published: view.dateIso,
    date_modified: view.updatedIso,
    authors: [editor, ...view.contributors.map((name) => ({ name }))],
    tags: view.tags,
    language,
  };
}
