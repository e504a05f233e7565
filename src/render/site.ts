import { sha256Hex } from "../hash.ts";
import type { ImageIndex } from "../images/images.ts";
import type { Issue } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { FEED_FILES, feedUrl, type FeedEntry } from "./feeds/feed-input.ts";
import { renderAtom } from "./feeds/atom.ts";
import { renderJsonFeed } from "./feeds/json-feed.ts";
import { renderRss } from "./feeds/rss.ts";
import { collectTopics, issueTags, tagSlugs, type Topic } from "./tags.ts";
import { createIssueSummary, createIssueView, createItemHeadings, type IssueSummary, type IssueView, type ItemHeading } from "./view.ts";
import { renderIndexPage, renderIssueContent, renderIssuePage, renderSearchPage, renderTopicIndexPage, renderTopicPage, topicPageShows, type SiteView } from "./web/archive.ts";
import { renderOpml, renderRobots, renderSitemap, type OpmlFeed } from "./site-maps.ts";
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
  /** Its items as lists show them (no Markdown rendered): made on first use and kept. */
  headings(): ItemHeading[];
}

/**
 * Every issue, newest first, with its neighbours among the published ones.
 * `fingerprints` (file → hash of its source and its pictures) come from the
 * build; an issue without one is fingerprinted from its data. `summaryOf`
 * may hand back a summary made earlier for the same issue and newsletter,
 * and `headingsOf` its item headings; `images` are the processed pictures
 * the views show. Pure.
 */
export function planSite(
  newsletter: Newsletter,
  issues: Issue[],
  fingerprints: Map<string, string> = new Map(),
  summaryOf: (issue: Issue, make: () => IssueSummary) => IssueSummary = (_issue, make) => make(),
  images?: ImageIndex,
  headingsOf: (issue: Issue, make: () => ItemHeading[]) => ItemHeading[] = (_issue, make) => make(),
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
  // Topic pages exist for the tags of published issues; every page links the ones it has.
  const slugs = tagSlugs(sorted.filter((issue) => !issue.draft).flatMap(issueTags));
  return sorted.map((issue, i) => {
    const fingerprint = fingerprintOf(issue, fingerprints.get(issue.file), slugs);
    let held: WeakRef<IssueView> | undefined;
    const view = () => {
      const known = held?.deref();
      if (known) return known;
      const made = createIssueView(issue, newsletter, slugs, images);
      held = new WeakRef(made);
      return made;
    };
    let headings: ItemHeading[] | undefined;
    return { issue, summary: summaries[i]!, previous: previous[i], next: next[i], fingerprint, view, headings: () => (headings ??= headingsOf(issue, () => createItemHeadings(issue, newsletter))) };
  });
}

/**
 * An issue's fingerprint: its own (from the build, else a hash of its data)
 * with the slugs of the topic pages it links, which are part of what its page
 * is made from. Kept per issue object for the next build in this process.
 */
function fingerprintOf(issue: Issue, given: string | undefined, slugs: Map<string, string>): string {
  const links = JSON.stringify(issueTags(issue).map((tag) => slugs.get(tag) ?? null));
  const known = fingerprintMemo.get(issue);
  if (known && known.given === given && known.links === links) return known.fingerprint;
  const own = given ?? sha256Hex(JSON.stringify(issue));
  const fingerprint = sha256Hex(own + links);
  fingerprintMemo.set(issue, { given, links, fingerprint });
  return fingerprint;
}

const fingerprintMemo = new WeakMap<Issue, { given: string | undefined; links: string; fingerprint: string }>();

export type { FeedEntry };

/** A file made earlier from the same inputs, which the caller keeps (see build.ts). */
export interface MadeEarlier {
  linkFrom: string;
}

/**
 * Hands back `make()`, or a file made earlier by it: `parts` are what the
 * file is made from beyond the templates, the newsletter and the code (the
 * caller's part of the key), such as the fingerprints of the issues it
 * lists. The default makes every file. `checkAs`, for a feed whose entries'
 * fragments were each checked where they were kept (FeedEntry.kept), gives
 * the document without its entries: what is left to check of a made file.
 */
export type Reuse = (file: string, parts: string[], make: () => string, checkAs?: () => string) => string | MadeEarlier;

const makeAll: Reuse = (_file, _parts, make) => make();

/**
 * The index and the three feeds, as path → text. Pure: the same content and
 * templates give the same bytes, whatever the clock says. `entryOf` may
 * hand back an entry made earlier from the same inputs, and `reuse` a file
 * (see build.ts): the files that list many issues are keyed by the
 * fingerprints of the issues they show.
 */
export function renderIndexAndFeeds(
  newsletter: Newsletter,
  site: SiteView,
  planned: PlannedIssue[],
  templates: WebTemplates,
  entryOf: (p: PlannedIssue, make: () => FeedEntry) => FeedEntry = (_p, make) => make(),
  reuse: Reuse = makeAll,
): Map<string, string | MadeEarlier> {
  const files = new Map<string, string | MadeEarlier>();
  const published = planned.filter((p) => !p.summary.draft);
  files.set("index.html", reuse("index.html", published.map((p) => p.fingerprint), () => renderIndexPage(site, published.map((p) => p.summary), templates)));
  const newest = published.slice(0, newsletter.feed.limit);
  for (const [file, made] of feedFiles("", newsletter, newest, entries(site, templates, entryOf), [], reuse)) files.set(file, made);
  files.set("assets/style.css", templates.css);
  files.set("assets/search.js", templates.searchJs);
  files.set("assets/search-terms.js", templates.searchTermsJs);
  files.set("search/index.html", renderSearchPage(site, templates));
  for (const [file, text] of renderTopics(newsletter, site, planned, templates, entryOf, reuse)) files.set(file, text);
  return files;
}

/**
 * Topics: tags/<slug>/ with its RSS, Atom and JSON feeds (the main feeds'
 * renderers, for the issues that carry the tag), tags/, feeds.opml,
 * sitemap.xml and robots.txt. Drafts are in none of them. Pure.
 */
export function renderTopics(
  newsletter: Newsletter,
  site: SiteView,
  planned: PlannedIssue[],
  templates: WebTemplates,
  entryOf: (p: PlannedIssue, make: () => FeedEntry) => FeedEntry = (_p, make) => make(),
  reuse: Reuse = makeAll,
): Map<string, string | MadeEarlier> {
  const files = new Map<string, string | MadeEarlier>();
  const published = planned.filter((p) => !p.summary.draft);
  const topics = collectTopics(published);
  // An issue is an entry of each of its topics' feeds: made once.
  const entry = entries(site, templates, entryOf);
  const opml: OpmlFeed[] = [{ title: newsletter.title, xmlUrl: feedUrl(newsletter, "rss"), htmlUrl: newsletter.base_url }];
  for (const topic of topics) {
    const channel = topicNewsletter(newsletter, site, topic);
    // A topic's files depend on its tag and slug and on the issues they show.
    const newest = topic.issues.slice(0, newsletter.feed.limit);
    for (const [file, made] of feedFiles(topic.dir, channel, newest, entry, [topic.tag, topic.slug], reuse)) files.set(file, made);
    const feeds = [
      { type: "application/rss+xml", title: `${channel.title} (RSS)`, href: feedUrl(channel, "rss") },
      { type: "application/atom+xml", title: `${channel.title} (Atom)`, href: feedUrl(channel, "atom") },
      { type: "application/feed+json", title: `${channel.title} (JSON Feed)`, href: feedUrl(channel, "json") },
    ];
    const listed = [topic.tag, topic.slug, topicPageShows(topic)];
    files.set(`${topic.dir}index.html`, reuse(`${topic.dir}index.html`, listed, () => renderTopicPage(site, topic, feeds, templates)));
    opml.push({ title: channel.title, xmlUrl: feedUrl(channel, "rss"), htmlUrl: channel.base_url });
  }
  files.set("tags/index.html", renderTopicIndexPage(site, topics, templates));
  const newest = (issues: PlannedIssue[]) => issues.reduce((max, p) => (p.summary.updatedIso > max ? p.summary.updatedIso : max), "1970-01-01T00:00:00Z");
  const lastmod = newest(published);
  files.set(
    "sitemap.xml",
    renderSitemap([
      { url: newsletter.base_url, lastmod },
      ...published.map((p) => ({ url: p.summary.url, lastmod: p.summary.updatedIso })),
      { url: new URL("tags/", newsletter.base_url).href, lastmod },
      ...topics.map((t) => ({ url: new URL(t.path, newsletter.base_url).href, lastmod: newest(t.issues.length > 0 ? t.issues : published) })),
    ]),
  );
  files.set("robots.txt", renderRobots(newsletter));
  files.set("feeds.opml", renderOpml(newsletter, opml, new Date(lastmod)));
  return files;
}

/** Each published issue's feed entry, made once (or handed back by `entryOf`). */
function entries(site: SiteView, templates: WebTemplates, entryOf: (p: PlannedIssue, make: () => FeedEntry) => FeedEntry): (p: PlannedIssue) => FeedEntry {
  const made = new Map<PlannedIssue, FeedEntry>();
  return (p) => made.get(p) ?? made.set(p, entryOf(p, () => feedEntry(site, templates, p))).get(p)!;
}

/** An issue's feed entry: its view and content made when a fragment first needs them, the content once. */
function feedEntry(site: SiteView, templates: WebTemplates, p: PlannedIssue): FeedEntry {
  let content: string | undefined;
  return {
    updatedIso: p.summary.updatedIso,
    view: () => p.view(),
    contentHtml: () => (content ??= renderIssueContent(site, p.view(), templates)),
  };
}

/**
 * RSS, Atom and JSON Feed of `newest` in `dir` (the site root, or a
 * topic's folder), each reused while `parts` and the issues' fingerprints
 * are the same.
 */
function feedFiles(
  dir: string,
  channel: Newsletter,
  newest: PlannedIssue[],
  entry: (p: PlannedIssue) => FeedEntry,
  parts: string[],
  reuse: Reuse,
): [string, string | MadeEarlier][] {
  const input = () => ({ newsletter: channel, entries: newest.map(entry) });
  const key = [...parts, ...newest.map((p) => p.fingerprint)];
  const renderers = [
    [FEED_FILES.rss, renderRss],
    [FEED_FILES.atom, renderAtom],
    [FEED_FILES.json, renderJsonFeed],
  ] as const;
  // Entries whose fragments are kept were checked as they were kept: the rest of the document is checked alone.
  const kept = newest.every((p) => entry(p).kept !== undefined);
  return renderers.map(([name, render]) => [`${dir}${name}`, reuse(`${dir}${name}`, key, () => render(input()), kept ? () => render({ newsletter: channel, entries: [] }) : undefined)]);
}

/** The newsletter as a topic's feeds present it: its own title, id, home page and feed URLs. */
function topicNewsletter(newsletter: Newsletter, site: SiteView, topic: Topic): Newsletter {
  const heading = site.labels.archive.topic(topic.tag);
  return {
    ...newsletter,
    title: `${newsletter.title} · ${heading}`,
    description: `${newsletter.description} ${heading}`,
    base_url: new URL(topic.path, newsletter.base_url).href,
    id: `${newsletter.id}/tags/${topic.slug}`,
  };
}

/** dist/issues/<slug>/index.html for one planned issue. Pure. */
export function renderPlannedIssuePage(site: SiteView, planned: PlannedIssue, templates: WebTemplates): string {
  return renderIssuePage(site, planned.view(), { previous: planned.previous, next: planned.next }, templates);
}
