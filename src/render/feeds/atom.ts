import { Feed } from "feed";
import type { Person } from "../../model/newsletter.ts";
import { channelOptions, entryTitle, type FeedInput } from "./feed-input.ts";
import { escapeHtml } from "../html.ts";
import { finalize, protect } from "./xml-guard.ts";

/**
 * Atom 1.0 (RFC 4287): feed and entries each with an author, stable ids,
 * a self link, xml:lang, categories with a term. Title, summary and content
 * are type="html", so their text is HTML-escaped before it goes in. Pure.
 */
export function renderAtom(input: FeedInput): string {
  const { newsletter } = input;
  const author = person(newsletter.editor);
  const feed = new Feed({ ...channelOptions(input, "atom"), author });
  for (const { view, contentHtml } of input.entries) {
    feed.addItem({
      title: protect(escapeHtml(entryTitle(view))),
      id: view.id,
      link: view.url,
      date: new Date(view.updatedIso),
      published: new Date(view.dateIso),
      description: protect(escapeHtml(view.description)),
      content: protect(contentHtml),
      author: [author],
      contributor: view.contributors.map((name) => ({ name: protect(name) })),
      category: view.tags.map((tag) => ({ term: protect(tag) })),
    });
  }
  return finalize(withLanguage(feed.atom1(), newsletter.language));
}

function person(p: Person) {
  return { name: protect(p.name), email: p.email, link: p.url };
}

/** `feed` ignores the language for Atom; RFC 4287 carries it as xml:lang on the root. */
function withLanguage(xml: string, language: string): string {
  const root = '<feed xmlns="http://www.w3.org/2005/Atom">';
  if (!xml.includes(root)) throw new Error("unexpected Atom root element from feed");
  return xml.replace(root, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${protect(language)}">`);
}
