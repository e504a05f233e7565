import path from "node:path";
import { loadContent } from "../content/load.ts";
import type { Problem } from "../errors.ts";
import { createIssueViews, renderSite } from "../render/site.ts";
import { createSiteView } from "../render/web/archive.ts";
import { checkOutputs } from "./check-output.ts";
import { EmailCache } from "./email-cache.ts";
import { buildEmails, type EmailReport } from "./emails.ts";
import { readEmailTemplates, readWebTemplates } from "./read-templates.ts";
import { writeDist, type WriteReport } from "./write-dist.ts";

export interface BuildOptions {
  /** Project folder holding content/. */
  root: string;
  /** Output folder; defaults to <root>/dist. */
  outDir?: string;
  /** Compiled-email cache; defaults to <root>/.gazette/cache/emails. */
  cacheDir?: string;
}

export interface BuildResult extends WriteReport {
  outDir: string;
  /** Issues built, drafts included. */
  issues: number;
  drafts: number;
  emails: EmailReport[];
  warnings: Problem[];
}

/**
 * load → render → check → write. Throws ContentError (every problem in
 * every file) or a Render/OutputError before anything is written; dist/
 * changes only as a whole.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const outDir = options.outDir ?? path.join(options.root, "dist");
  const cache = new EmailCache(options.cacheDir ?? path.join(options.root, ".gazette/cache/emails"));
  const content = await loadContent(options.root);
  const [webTemplates, emailTemplates] = await Promise.all([readWebTemplates(), readEmailTemplates(options.root)]);
  const { newsletter } = content;
  const views = createIssueViews(newsletter, content.issues);
  const files: Map<string, string> = renderSite(newsletter, views.map((v) => v.view), webTemplates);
  const emails = await buildEmails(newsletter, createSiteView(newsletter), views, emailTemplates, cache);
  for (const [file, text] of emails.files) files.set(file, text);
  checkOutputs(files);
  const report = await writeDist(outDir, files);
  await cache.prune(emails.keys);
  return {
    ...report,
    outDir,
    issues: content.issues.length,
    drafts: content.issues.filter((i) => i.draft).length,
    emails: emails.reports,
    warnings: [...content.warnings, ...emails.warnings],
  };
}
