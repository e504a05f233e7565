import { createHash } from "node:crypto";
import type { Issue } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { FEED_FILES } from "./feeds/feed-input.ts";
import { renderAtom } from "./feeds/atom.ts";
import { renderJsonFeed } from "./feeds/json-feed.ts";
import { renderRss } from "./feeds/rss.ts";
import { createIssueSummary, createIssueView, type IssueSummary, type IssueView } from "./view.ts";
import { renderIndexPage, renderIssueContent, renderIssuePage, type SiteView } from "./web/archive.ts";
import type { WebTemplates } from "./web/templates.ts";

/** An issue with what lists and navigation need: its summary and its published neighbours. */
export interface PlannedIssue {
  issue: Issue;
  summary: IssueSummary;
  /** The next older published issue. */
  previous?: IssueSummary;
  /** The next newer published issue. */
  next?: IssueSummary;
  /** A hash of the issue's data, for cache keys. */
  fingerprint: string;
  /**
   * The full view, made on first use (Markdown rendering is the costly
   * part) and shared while something holds it: held weakly, so a
   * thousand-issue build does not keep a thousand rendered issues alive.
   */
  view(): IssueView;
}

/**
 * Every issue, newest first, with its neighbours among the published ones.
 * `fingerprints` (file → hash of its source) come from the loader; an issue
 * without one is fingerprinted from its data. `summaryOf` may hand back a
 * summary made earlier for the same issue and newsletter. Pure.
 */
export function planSite(
  newsletter: Newsletter,
  issues: Issue[],
  fingerprints: Map<string, string> = new Map(),
  summaryOf: (issue: Issue, make: () => IssueSummary) => IssueSummary = (_issue, make) => make(),
): PlannedIssue[] {
  const sorted = [...issues].sort((a, b) => b.number - a.number);
  const summaries = sorted.map((issue) => summaryOf(issue, () => createIssueSummary(issue, newsletter)));
  // Walking newest to oldest: `next` is the last published issue seen, and
  // `previous` the first published one after this issue.
  const next: (IssueSummary | undefined)[] = [];
  let newer: IssueSummary | undefined;
  for (const s of summaries) {
    next.push(newer);
    if (!s.draft) newer = s;
  }
  const previous: (IssueSummary | undefined)[] = [];
  let older: IssueSummary | undefined;
  for (let i = summaries.length - 1; i >= 0; i--) {
    previous[i] = older;
    if (!summaries[i]!.draft) older = summaries[i];
  }
  return sorted.map((issue, i) => {
    const fingerprint = fingerprints.get(issue.file) ?? createHash("sha256").update(JSON.stringify(issue)).digest("hex");
    let held: WeakRef<IssueView> | undefined;
    const view = () => {
      const known = held?.deref();
      if (known) return known;
      const made = createIssueView(issue, newsletter);
      held = new WeakRef(made);
      return made;
    };
    return { issue, summary: summaries[i]!, previous: previous[i], next: next[i], fingerprint, view };
  });
}

/** A feed entry: the issue's view and its content as one HTML fragment. */
export interface FeedEntry {
  view: IssueView;
  contentHtml: string;
}

/**
 * The index and the three feeds, as path → text. Pure: the same content and
 * templates give the same bytes, whatever the clock says. `entryOf` may
 * hand back an entry made earlier from the same inputs (see build.ts).
 */
export function renderIndexAndFeeds(
  newsletter: Newsletter,
  site: SiteView,
  planned: PlannedIssue[],
  templates: WebTemplates,
  entryOf: (p: PlannedIssue, make: () => FeedEntry) => FeedEntry = (_p, make) => make(),
): Map<string, string> {
  const files = new Map<string, string>();
  const published = planned.filter((p) => !p.summary.draft);
  files.set("index.html", renderIndexPage(site, published.map((p) => p.summary), templates));
  const entries = published.slice(0, newsletter.feed.limit).map((p) => entryOf(p, () => ({ view: p.view(), contentHtml: renderIssueContent(site, p.view(), templates) })));
  const input = { newsletter, entries };
  files.set(FEED_FILES.rss, renderRss(input));
  files.set(FEED_FILES.atom, renderAtom(input));
  files.set(FEED_FILES.json, renderJsonFeed(input));
  files.set("assets/style.css", templates.css);
  return files;
}

/** dist/issues/<slug>/index.html for one planned issue. Pure. */
export function renderPlannedIssuePage(site: SiteView, planned: PlannedIssue, templates: WebTemplates): string {
  return renderIssuePage(site, planned.view(), { previous: planned.previous, next: planned.next }, templates);
}
