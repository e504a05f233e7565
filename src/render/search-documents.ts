import type { Newsletter } from "../model/newsletter.ts";
import { markdownToPlainText } from "./markdown.ts";
import type { PlannedIssue } from "./site.ts";
import type { IssueView, ItemView } from "./view.ts";

/**
 * One paper as the search index reads it: the fields it is found by, each
 * with its weight (search-index.ts), and what its result shows.
 */
export interface SearchDocument {
  /** Site-root-relative URL of the item's anchor: /issues/36/#gradmax-… */
  url: string;
  title: string;
  translation: string;
  /** The issue's number and date as the archive writes them: 第36期 · 2022年1月17日. */
  issue: string;
  /** The issue's title, on the one paper it names (headlineItem), else "". */
  headline: string;
  institutions: string;
  authors: string;
  /** The summary as plain text: the result's excerpt comes from it. */
  summary: string;
}

/**
 * A search document per item of a published issue, in the issue's order.
 * Plain text throughout: the search page puts every string in as text.
 * Pure: what it makes depends on the issue and the site alone, so the
 * build keys it on them.
 */
export function renderIssueSearchDocuments(p: PlannedIssue): SearchDocument[] {
  const docs: SearchDocument[] = [];
  if (p.summary.draft) return docs;
  const view = p.view();
  const issue = `${view.numberLabel} · ${view.dateText}`;
  const headline = headlineItem(view);
  for (const [s, section] of view.sections.entries()) {
    for (const [i, item] of section.items.entries()) {
      docs.push({
        url: `/${p.summary.path}#${item.anchor}`,
        title: item.title,
        translation: item.translation ?? "",
        issue,
        headline: item === headline ? view.title : "",
        institutions: item.institutions ?? "",
        authors: item.authors ?? "",
        summary: markdownToPlainText(p.issue.sections[s]!.items[i]!.summary),
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
