import { readFile } from "node:fs/promises";
import path from "node:path";
import { MjmlPool } from "../src/build/compile-emails.ts";
import { readEmailTemplates } from "../src/build/read-templates.ts";
import { loadContent } from "../src/content/load.ts";
import { createEmailContext } from "../src/render/email/context.ts";
import { renderEmailMjml } from "../src/render/email/mjml.ts";
import { planSite } from "../src/render/site.ts";
import { createSiteView } from "../src/render/web/archive.ts";

/**
 * The proof, on the bench archive, that an email filled from its compiled
 * shape is what mjml gives for the issue's own document: every issue's MJML
 * compiled directly (on one worker per core) and compared, byte for byte,
 * with the dist/emails/<n>.html the build wrote. Throws on any difference.
 */
export async function checkEmailShapes(root: string): Promise<string> {
  const started = Date.now();
  const content = await loadContent(root);
  const templates = await readEmailTemplates(root);
  const site = createSiteView(content.newsletter);
  const planned = planSite(content.newsletter, content.issues);
  const pool = new MjmlPool();
  let same = 0;
  try {
    for (let start = 0; start < planned.length; start += 50) {
      const batch = planned.slice(start, start + 50);
      const direct = await pool.compile(batch.map((p) => ({ mjml: renderEmailMjml(createEmailContext(p.view(), site, content.newsletter), templates), template: "issue.mjml.hbs" })));
      for (const [i, p] of batch.entries()) {
        const built = await readFile(path.join(root, "dist/emails", `${p.summary.number}.html`), "utf8");
        if (built !== direct[i]) throw new Error(`dist/emails/${p.summary.number}.html differs from compiling the issue's own MJML`);
        same++;
      }
    }
  } finally {
    await pool.close();
  }
  return `email check: all ${same} emails byte-identical to compiling each issue's own MJML (checked in ${((Date.now() - started) / 1000).toFixed(0)} s)`;
}
