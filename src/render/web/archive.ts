import type { Newsletter } from "../../model/newsletter.ts";
import { feedUrl } from "../feeds/feed-input.ts";
import { labelsFor, type Labels } from "../labels.ts";
import { renderMarkdown } from "../markdown.ts";
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
  };
  const body = templates.issue({ site, page, issue, ...neighbours });
  return templates.layout({ site, page, body });
}

/** The issue as one HTML fragment with absolute links: the content of a feed entry. Pure. */
export function renderIssueContent(site: SiteView, issue: IssueView, templates: WebTemplates): string {
  return templates.issueBody({ issue, labels: site.labels, standalone: false }).replace(/\n\s*\n/g, "\n").trim();
}
