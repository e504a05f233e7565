import type { Newsletter } from "../model/newsletter.ts";
import { markdownToPlainText } from "./markdown.ts";
import type { PlannedIssue } from "./site.ts";
import { labelsFor } from "./labels.ts";
import { itemAuthors, type ItemHeading } from "./view.ts";

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
 * Made from the issue and its headings, not its full view: the index needs
 * no rendered HTML, and a re-index of a thousand issues would otherwise
 * render every one. Pure: what it makes depends on the issue and what of
 * the newsletter searchInputsKey names, so the build keys it on them.
 */
export function renderIssueSearchDocuments(p: PlannedIssue, newsletter: Newsletter): SearchDocument[] {
  const docs: SearchDocument[] = [];
  if (p.summary.draft) return docs;
  const labels = labelsFor(newsletter.language);
  const issue = `${p.summary.numberLabel} · ${p.summary.dateText}`;
  const headings = p.headings();
  const headline = headlineItem(p.issue.title, headings);
  const items = p.issue.sections.flatMap((s) => s.items);
  for (const [i, item] of items.entries()) {
    const heading = headings[i]!;
    docs.push({
      url: `/${p.summary.path}#${heading.anchor}`,
      title: heading.title,
      translation: heading.translation ?? "",
      issue,
      headline: i === headline ? p.issue.title : "",
      institutions: heading.institutions,
      authors: itemAuthors(item, labels),
      summary: markdownToPlainText(item.summary),
    });
  }
  return docs;
}

/**
 * Which of the items (by position) an issue's title is about, if it names
 * one: the item whose title's first word (four letters or more, as in
 * GRADMAX: …) the issue's title contains, case aside ("谷歌提出梯度最大化增长方法GradMax").
 * Its search document carries the issue's title too, so the issue's
 * headline finds it.
 */
export function headlineItem(issueTitle: string, items: Pick<ItemHeading, "title">[]): number | undefined {
  const title = issueTitle.toLowerCase();
  const named: number[] = [];
  for (const [i, item] of items.entries()) {
    const first = item.title.match(/^[\p{L}\p{N}][\p{L}\p{N}-]{3,}/u)?.[0]?.toLowerCase();
    if (first !== undefined && title.includes(first)) named.push(i);
  }
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
