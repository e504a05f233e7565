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
 * from the cache. A page may be rendered ahead (`renderAhead`), while
 * something else holds the issue's view: the emails' pass does, so a
 * build that makes both renders each issue's Markdown once, not twice.
 */
export class IssuePages {
  readonly files = new Map<string, DistFile>();
  readonly keys = new Set<string>();
  private readonly missing = new Map<PlannedIssue, string>();
  private rendered = 0;

  constructor(
    newsletter: Newsletter,
    planned: PlannedIssue[],
    private readonly site: SiteView,
    private readonly templates: WebTemplates,
    private readonly cache: OutputCache,
    codeVersion: string,
  ) {
    // What every page shares, hashed once (see emails.ts).
    const shared = OutputCache.keyOf([codeVersion, templates.fingerprint, newsletterKey(newsletter), "issue page"]);
    for (const p of planned) {
      const key = OutputCache.keyOf([shared, p.fingerprint, navKey(p.previous), navKey(p.next)]);
      this.keys.add(key);
      // Rendered into the cache, or already there: dist/ and the cache share the file.
      this.files.set(`${p.summary.path}index.html`, { linkFrom: cache.pathOf(key, "html") });
      if (!cache.has(key, ["html"])) this.missing.set(p, key);
    }
  }

  /** Renders the issue's page now if it is owed, handing it to the cache (written on the cache's writer thread). */
  renderAhead(p: PlannedIssue): void {
    const key = this.missing.get(p);
    if (key === undefined) return;
    this.missing.delete(p);
    this.cache.put(key, "html", renderPlannedIssuePage(this.site, p, this.templates));
    this.rendered++;
  }

  /**
   * Renders every page still owed. One at a time, each handed to the cache
   * as soon as it is made (the build flushes it before dist/ links the
   * pages): memory holds one page, not the archive. Every few pages the
   * loop yields: an issue's view is held by a WeakRef (site.ts), which
   * keeps it alive until the current task ends, so a loop that never
   * yields would hold them all.
   */
  async finish(): Promise<{ files: Map<string, DistFile>; keys: Set<string>; rendered: number }> {
    let since = 0;
    for (const p of [...this.missing.keys()]) {
      this.renderAhead(p);
      if (++since % YIELD_EVERY === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        await this.cache.writer.room();
      }
    }
    return { files: this.files, keys: this.keys, rendered: this.rendered };
  }
}

/** What a page shows of a neighbour. */
function navKey(summary: IssueSummary | undefined): string {
  return summary ? JSON.stringify([summary.number, summary.path, summary.numberLabel]) : "";
}
