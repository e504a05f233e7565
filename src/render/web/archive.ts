import type { Newsletter } from "../../model/newsletter.ts";
import { feedUrl } from "../feeds/feed-input.ts";
import { labelsFor, type Labels } from "../labels.ts";
import { renderMarkdown } from "../markdown.ts";
import type { Topic } from "../tags.ts";
import type { IssueSummary, IssueView } from "../view.ts";
import type { WebTemplates } from "./templates.ts";

/** What every page's layout reads about the site. */
export interface SiteView {
  title: string;
  description: string;
  language: string;
  ogLocale: string;
  baseUrl: string;
  labels: Labels;
  feeds: { rss: string; atom: string; json: string };
  footerHtml: string;
  copyright?: string;
}

export function createSiteView(newsletter: Newsletter): SiteView {
  return {
    title: newsletter.title,
    description: newsletter.description,
    language: newsletter.language,
    ogLocale: newsletter.language.replace("-", "_"),
    baseUrl: newsletter.base_url,
    labels: labelsFor(newsletter.language),
    feeds: { rss: feedUrl(newsletter, "rss"), atom: feedUrl(newsletter, "atom"), json: feedUrl(newsletter, "json") },
    footerHtml: newsletter.footer ? renderMarkdown(newsletter.footer, newsletter.base_url) : "",
    copyright: newsletter.copyright,
  };
}

/** dist/index.html: the newsletter and its published issues, newest first. Pure. */
export function renderIndexPage(site: SiteView, published: IssueSummary[], templates: WebTemplates): string {
  const page = { title: site.title, description: site.description, url: site.baseUrl, ogType: "website", root: "" };
  const body = templates.index({ site, page, issues: published });
  return templates.layout({ site, page, body });
}

/** dist/issues/<slug>/index.html: the whole issue. Pure. */
export function renderIssuePage(
  site: SiteView,
  issue: IssueView,
  neighbours: { previous?: IssueSummary; next?: IssueSummary },
  templates: WebTemplates,
): string {
  const page = {
    title: issue.heading,
    description: issue.description,
    url: issue.url,
    ogType: "article",
    root: "../../",
    noindex: issue.draft,
    published: issue.dateIso,
    modified: issue.updatedIso,
    // A card for shared links: only a picture of known size and a type every service reads (not SVG).
    image: issue.image?.largest && issue.image.largest.type !== "image/svg+xml" ? { ...issue.image.largest, alt: issue.image.alt } : undefined,
  };
  // The page's own pictures load from the site it is on (a local `gazette serve` too); feeds and mail keep them absolute.
  const body = templates.issue({ site, page, issue, ...neighbours }).split(`${site.baseUrl}images/`).join(`${page.root}images/`);
  return templates.layout({ site, page, body });
}

/** The issue as one HTML fragment with absolute links: the content of a feed entry. Pure. */
export function renderIssueContent(site: SiteView, issue: IssueView, templates: WebTemplates): string {
  return templates.issueBody({ issue, labels: site.labels, standalone: false, root: site.baseUrl }).replace(/\n\s*\n/g, "\n").trim();
}

/** A page's own feeds, for <link rel="alternate"> (the site's are on every page). */
export interface PageFeed {
  type: string;
  title: string;
  href: string;
}

/**
 * What a topic's page shows of its items, beside the tag, the site and the
 * templates: the page is made again only when this changes, so an edit to
 * an issue's summaries or title (which the page does not show) leaves its
 * topics' pages as they were. test/topics.test.ts checks that nothing else
 * of what the page is given reaches it.
 */
export function topicPageShows(topic: Topic): string {
  return JSON.stringify(
    topic.items.map(({ issue, item }) => [issue.path, issue.numberLabel, issue.dateIso, issue.dateText, item.anchor, item.title, item.translation ?? null, item.institutions, item.foreign, item.lang]),
  );
}

/** dist/tags/<slug>/index.html: every item with the tag, newest issue first. Pure. */
export function renderTopicPage(site: SiteView, topic: Topic, feeds: PageFeed[], templates: WebTemplates): string {
  const heading = site.labels.archive.topic(topic.tag);
  const page = { title: `${heading} · ${site.title}`, description: heading, url: new URL(topic.path, site.baseUrl).href, ogType: "website", root: "../../", feeds };
  return templates.layout({ site, page, body: templates.tag({ site, page, heading, items: topic.items }) });
}

/** dist/tags/index.html: every topic with how many items carry it, most first. Pure. */
export function renderTopicIndexPage(site: SiteView, topics: Topic[], templates: WebTemplates): string {
  const title = `${site.labels.archive.allTopics} · ${site.title}`;
  const page = { title, description: title, url: new URL("tags/", site.baseUrl).href, ogType: "website", root: "../" };
  const listed = [...topics]
    .sort((a, b) => b.items.length - a.items.length || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
    .map((t) => ({ tag: t.tag, path: t.path, count: site.labels.archive.itemCount(t.items.length) }));
  return templates.layout({ site, page, body: templates.tags({ site, page, topics: listed }) });
}

/** dist/search/index.html: the search form and the results list its script fills. Pure. */
export function renderSearchPage(site: SiteView, templates: WebTemplates): string {
  const title = `${site.labels.archive.search} · ${site.title}`;
  const page = { title, description: title, url: new URL("search/", site.baseUrl).href, ogType: "website", root: "../", noindex: true, hideSignup: true };
  return templates.layout({ site, page, body: templates.search({ site, page }) });
}
