import { Feed } from "feed";
import { channelOptions, entryTitle, type FeedInput } from "./feed-input.ts";
import { escapeHtml } from "../html.ts";
import { finalize, protect } from "./xml-guard.ts";

/**
 * RSS 2.0 (RSS Advisory Board profile): content:encoded with the full issue,
 * atom:link rel="self", dc:creator for names (RSS <author> must be an email
 * address), a guid that is the stable id. Pure.
 */
export function renderRss(input: FeedInput): string {
  const { newsletter } = input;
  const feed = new Feed(channelOptions(input, "rss"));
  for (const { view, contentHtml } of input.entries) {
    const creators = [newsletter.editor.name, ...view.contributors];
    feed.addItem({
      title: protect(entryTitle(view)),
      link: view.url,
      guid: view.id,
      date: new Date(view.updatedIso),
      published: new Date(view.dateIso),
      description: protect(escapeHtml(view.description)),
      content: protect(contentHtml),
      category: view.tags.map((tag) => ({ name: protect(tag) })),
      // xml-js writes an array under one key as repeated elements.
      extensions: [{ name: "dc:creator", objects: creators.map((name) => ({ _text: protect(name) })) as unknown as Record<string, unknown> }],
    });
  }
  return finalize(feed.rss2());
}
