import type { Issue } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { FEED_FILES } from "./feeds/feed-input.ts";
import { renderAtom } from "./feeds/atom.ts";
import { renderJsonFeed } from "./feeds/json-feed.ts";
import { renderRss } from "./feeds/rss.ts";
import { createIssueView, type IssueView } from "./view.ts";
import { createSiteView, renderIndexPage, renderIssueContent, renderIssuePage } from "./web/archive.ts";
import type { WebTemplates } from "./web/templates.ts";

/**
 * The archive pages and feeds, as path → text (views newest first). Pure: the same content
 * and templates give the same bytes, whatever the clock says.
 */
export function renderSite(newsletter: Newsletter, views: IssueView[], templates: WebTemplates): Map<string, string> {
  const files = new Map<string, string>();
  const site = createSiteView(newsletter);
  const published = views.filter((v) => !v.draft);

  files.set("index.html", renderIndexPage(site, published, templates));
  for (const view of views) {
    files.set(`${view.path}index.html`, renderIssuePage(site, view, neighboursOf(view, published), templates));
  }

  const entries = published.slice(0, newsletter.feed.limit).map((view) => ({ view, contentHtml: renderIssueContent(site, view, templates) }));
  const input = { newsletter, entries };
  files.set(FEED_FILES.rss, renderRss(input));
  files.set(FEED_FILES.atom, renderAtom(input));
  files.set(FEED_FILES.json, renderJsonFeed(input));
  files.set("assets/style.css", templates.css);
  return files;
}

/** One view per issue, newest first. */
export function createIssueViews(newsletter: Newsletter, issues: Issue[]): { issue: Issue; view: IssueView }[] {
  return [...issues].sort((a, b) => b.number - a.number).map((issue) => ({ issue, view: createIssueView(issue, newsletter) }));
}

/** Published neighbours by number: previous is older, next is newer. */
function neighboursOf(view: IssueView, published: IssueView[]): { previous?: IssueView; next?: IssueView } {
  const older = published.filter((p) => p.number < view.number);
  const newer = published.filter((p) => p.number > view.number);
  return { previous: older[0], next: newer[newer.length - 1] };
}
