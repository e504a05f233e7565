import type { Issue } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import type { FeedEntry, PlannedIssue } from "../render/site.ts";
import type { IssueSummary, ItemHeading } from "../render/view.ts";
import type { ContentCache } from "../content/cache.ts";
import type { WebTemplates } from "../render/web/templates.ts";
import type { FeedFragments } from "./feed-fragments.ts";
import { issueTags, knownIssueTags } from "../render/tags.ts";
import { newsletterKey, OutputCache } from "./output-cache.ts";

// What a process that builds again and again (gazette preview) keeps from
// one build to the next, beside the caches on disk: each keyed by all it is
// made from, so a reused value is one the build would make again.

/**
 * Feed entries from the last build in this process (gazette preview builds
 * again and again): an entry is reused when its issue's fingerprint, the
 * templates, the newsletter and the code are the same, so a rebuild renders
 * the Markdown of the edited issue alone, not of every issue in the feeds.
 */
let lastFeedEntries: { shared: string; entries: Map<string, FeedEntry> } | undefined;

export function feedEntries(shared: string, kept?: FeedFragments): (p: PlannedIssue, make: () => FeedEntry) => FeedEntry {
  const before = lastFeedEntries?.shared === shared ? lastFeedEntries.entries : new Map<string, FeedEntry>();
  const now = new Map<string, FeedEntry>();
  lastFeedEntries = { shared, entries: now };
  return (p, make) => {
    const entry = before.get(p.fingerprint) ?? make();
    // This build's store: what the entry made in an earlier build of this process is kept in it too.
    if (kept) entry.kept = kept.for(p.fingerprint, p.issue.file);
    now.set(p.fingerprint, entry);
    return entry;
  };
}

/** What every feed entry is made from beside its issue: the code, the web templates, the newsletter. */
export function feedEntriesKey(version: string, templates: WebTemplates, newsletter: Newsletter): string {
  return OutputCache.keyOf([version, templates.fingerprint, newsletterKey(newsletter)]);
}

/**
 * Issue summaries, by issue: the content cache hands a process that builds
 * again the same issue objects for unchanged files, so their summaries (the
 * lead's first paragraph rendered to text) are made once in a process; and
 * it keeps them with the parsed issue, so the next process does not make
 * them again either (1,000 summaries: 40 ms).
 */
const summaryMemo = new WeakMap<Issue, { newsletter: string; summary: IssueSummary }>();

export function summaries(newsletter: Newsletter, cache?: ContentCache): (issue: Issue, make: () => IssueSummary) => IssueSummary {
  const key = newsletterKey(newsletter);
  return (issue, make) => {
    const known = summaryMemo.get(issue);
    if (known?.newsletter === key) return known.summary;
    const summary = cache ? cache.derived(issue, "summary", key, make) : make();
    summaryMemo.set(issue, { newsletter: key, summary });
    return summary;
  };
}

/**
 * Each issue's item headings (what topic pages list), kept with the parsed
 * issue as summaries are: every build collects the topics of every issue
 * (1,000 issues: 55 ms to make them).
 */
export function itemHeadings(newsletter: Newsletter, cache?: ContentCache): (issue: Issue, make: () => ItemHeading[]) => ItemHeading[] {
  const key = newsletterKey(newsletter);
  return (issue, make) => (cache ? cache.derived(issue, "headings", key, make) : make());
}

/**
 * Each issue's tags, its items' included, kept with the parsed issue too:
 * every build looks at every issue's tags (topics, links to topic pages),
 * and the content cache reads an issue's items only when asked for them.
 */
export function rememberTags(issues: Issue[], cache: ContentCache): void {
  for (const issue of issues) knownIssueTags(issue, cache.derived(issue, "tags", "the issue alone", () => [...issueTags(issue)]));
}
