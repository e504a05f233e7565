import path from "node:path";
import { loadContent } from "../content/load.ts";
import type { Problem } from "../errors.ts";
import { renderSite } from "../render/site.ts";
import { checkOutputs } from "./check-output.ts";
import { readWebTemplates } from "./read-templates.ts";
import { writeDist, type WriteReport } from "./write-dist.ts";

export interface BuildOptions {
  /** Project folder holding content/. */
  root: string;
  /** Output folder; defaults to <root>/dist. */
  outDir?: string;
}

export interface BuildResult extends WriteReport {
  outDir: string;
  /** Issues built, drafts included. */
  issues: number;
  drafts: number;
  warnings: Problem[];
}

/**
 * load → render → check → write. Throws ContentError (every problem in
 * every file) before anything is written; dist/ changes only as a whole.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const outDir = options.outDir ?? path.join(options.root, "dist");
  const content = await loadContent(options.root);
  const templates = await readWebTemplates();
  const files = renderSite(content.newsletter, content.issues, templates);
  checkOutputs(files);
  const report = await writeDist(outDir, files);
  return {
    ...report,
    outDir,
    issues: content.issues.length,
    drafts: content.issues.filter((i) => i.draft).length,
    warnings: content.warnings,
  };
}
