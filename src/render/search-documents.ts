import type { Newsletter } from "../model/newsletter.ts";
import { escapeHtml } from "./html.ts";
import { markdownToPlainText } from "./markdown.ts";
import type { PlannedIssue } from "./site.ts";
import type { IssueView, ItemView } from "./view.ts";
import type { SiteView } from "./web/archive.ts";

/** One paper as the search index reads it: a small HTML document and the URL its result links to. */
export interface SearchDocument {
  /** Site-root-relative URL of the item's anchor: /issues/36/#gradmax-… */
  url: string;
  html: string;
}

/**
 * A search document per item of a published issue. The title is the
 * heading and the translation the next one (Pagefind weighs headings
 * higher); institutions, authors and the summary are the body; the
 * result shows the title, translation and the issue's number and date
 * (data-pagefind-meta). Every text is escaped. Pure: what it makes
 * depends on the issue and the site alone, so the build keys it on them.
 */
export function renderIssueSearchDocuments(site: SiteView, p: PlannedIssue): SearchDocument[] {
  const docs: SearchDocument[] = [];
  if (p.summary.draft) return docs;
  const view = p.view();
  const issue = `${view.numberLabel} · ${view.dateText}`;
  const headline = headlineItem(view);
  for (const [s, section] of view.sections.entries()) {
    for (const [i, item] of section.items.entries()) {
      const summary = markdownToPlainText(p.issue.sections[s]!.items[i]!.summary);
      const lang = item.foreign ? ` lang="${escapeHtml(item.lang)}"` : "";
      const parts = [
        `<h1 data-pagefind-meta="title"${lang}>${escapeHtml(item.title)}</h1>`,
        item.translation ? `<h2 data-pagefind-meta="translation">${escapeHtml(item.translation)}</h2>` : "",
        item === headline ? `<h2>${escapeHtml(view.title)}</h2>` : "",
        `<p data-pagefind-meta="issue">${escapeHtml(issue)}</p>`,
        item.institutions ? `<p>${escapeHtml(item.institutions)}</p>` : "",
        item.authors ? `<p${lang}>${escapeHtml(item.authors)}</p>` : "",
        `<p>${escapeHtml(summary)}</p>`,
      ];
      docs.push({
        url: `/${p.summary.path}#${item.anchor}`,
        html: `<!doctype html><html lang="${escapeHtml(site.language)}"><head><title>${escapeHtml(item.title)}</title></head><body>${parts.join("")}</body></html>`,
      });
    }
  }
  return docs;
}

/**
 * The paper an issue's title is about, if it names one: the item whose
 * title's first word (four letters or more, as in GRADMAX: …) the issue's
 * title contains, case aside ("谷歌提出梯度最大化增长方法GradMax"). Its search
 * document carries the issue's title too, so the issue's headline finds it.
 */
export function headlineItem(view: IssueView): ItemView | undefined {
  const title = view.title.toLowerCase();
  const items = view.sections.flatMap((s) => s.items);
  const named = items.filter((item) => {
    const first = item.title.match(/^[\p{L}\p{N}][\p{L}\p{N}-]{3,}/u)?.[0]?.toLowerCase();
    return first !== undefined && title.includes(first);
  });
  return named.length === 1 ? named[0] : undefined;
}

/**
 * What of the newsletter the search documents show (the language of the
 * labels and dates, the offset the dates are in, the language papers are
 * taken to be in): with an issue's fingerprint, all a document depends on,
 * so the build re-indexes nothing when another setting changes.
 */
export function searchInputsKey(newsletter: Newsletter): string {
  return JSON.stringify([newsletter.language, newsletter.utc_offset, newsletter.source_language ?? null]);
}
