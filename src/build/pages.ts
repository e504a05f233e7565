import type { Newsletter } from "../model/newsletter.ts";
import { renderPlannedIssuePage, type PlannedIssue } from "../render/site.ts";
import type { IssueSummary } from "../render/view.ts";
import type { SiteView } from "../render/web/archive.ts";
import type { WebTemplates } from "../render/web/templates.ts";
import { newsletterKey, OutputCache } from "./output-cache.ts";
import type { DistFile } from "./write-dist.ts";

/** Pages rendered between yields to the event loop (see below). */
const YIELD_EVERY = 16;

/**
 * Every issue page: rendered when its inputs changed (the issue, its
 * neighbours' links, the newsletter, the templates, the code), else linked
 * from the cache.
 */
export async function buildIssuePages(
  newsletter: Newsletter,
  site: SiteView,
  planned: PlannedIssue[],
  templates: WebTemplates,
  cache: OutputCache,
  codeVersion: string,
): Promise<{ files: Map<string, DistFile>; keys: Set<string>; rendered: number }> {
  // What every page shares, hashed once (see emails.ts).
  const shared = OutputCache.keyOf([codeVersion, templates.fingerprint, newsletterKey(newsletter), "issue page"]);
  const files = new Map<string, DistFile>();
  const keys = new Set<string>();
  let rendered = 0;
  const missing: { p: PlannedIssue; key: string; file: string }[] = [];
  for (const p of planned) {
    const key = OutputCache.keyOf([shared, p.fingerprint, navKey(p.previous), navKey(p.next)]);
    keys.add(key);
    const file = `${p.summary.path}index.html`;
    // Rendered into the cache, or already there: dist/ and the cache share the file.
    files.set(file, { linkFrom: cache.pathOf(key, "html") });
    if (!cache.has(key, ["html"])) missing.push({ p, key, file });
  }
  // One at a time, each page handed to the cache as soon as it is made
  // (written on the cache's writer thread; the build flushes it before
  // dist/ links the pages): memory holds one page, not the archive. Every few pages the loop yields: an issue's
  // view is held by a WeakRef (site.ts), which keeps it alive until the
  // current task ends, so a loop that never yields would hold them all.
  for (const { p, key } of missing) {
    cache.put(key, "html", renderPlannedIssuePage(site, p, templates));
    if (++rendered % YIELD_EVERY === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await cache.writer.room();
    }
  }
  return { files, keys, rendered };
}

/** What a page shows of a neighbour. */
function navKey(summary: IssueSummary | undefined): string {
  return summary ? JSON.stringify([summary.number, summary.path, summary.numberLabel]) : "";
}
