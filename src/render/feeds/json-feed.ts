import { entryImage, entryTitle, feedUrl, type FeedInput } from "./feed-input.ts";

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
    items: input.entries.map(({ view, contentHtml }) => ({
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
      language: newsletter.language,
    })),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
