import type { Problem } from "../errors.ts";
import { OutputError } from "../errors.ts";
import type { Issue } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { createEmailContext } from "../render/email/context.ts";
import { renderEmailMjml } from "../render/email/mjml.ts";
import { PLACEHOLDERS } from "../render/email/placeholders.ts";
import type { EmailTemplates } from "../render/email/templates.ts";
import { renderEmailText } from "../render/email/text.ts";
import type { IssueView } from "../render/view.ts";
import type { SiteView } from "../render/web/archive.ts";
import { compileEmails } from "./compile-emails.ts";
import { EmailCache } from "./email-cache.ts";

/** Gmail clips a message's HTML past about 102 KB; warn well before. */
export const EMAIL_WARN_BYTES = 90 * 1024;
export const EMAIL_MAX_BYTES = 102 * 1024;

export interface EmailReport {
  number: number;
  /** Source file of the issue. */
  file: string;
  htmlBytes: number;
  textBytes: number;
  /** False when the compiled HTML came from the cache. */
  compiled: boolean;
}

/** What the sender reads beside each email: dist/emails/<number>.json. */
export interface EmailMeta {
  number: number;
  subject: string;
  preheader: string;
  url: string;
  draft: boolean;
  html: string;
  text: string;
  /** Placeholder name → token, to fill per subscriber. */
  placeholders: typeof PLACEHOLDERS;
  bytes: { html: number; text: number };
}

/**
 * Renders every issue's email: Handlebars fills one MJML document per
 * issue, mjml compiles it (or the cache already has it), and the text part
 * is written from the model. Fails past Gmail's clipping size.
 */
export async function buildEmails(
  newsletter: Newsletter,
  site: SiteView,
  views: { issue: Issue; view: IssueView }[],
  templates: EmailTemplates,
  cache: EmailCache,
): Promise<{ files: Map<string, string>; reports: EmailReport[]; warnings: Problem[]; keys: Set<string> }> {
  const template = `${templates.dir}/issue.mjml.hbs`;
  const prepared = views.map(({ issue, view }) => {
    const context = createEmailContext(view, site, newsletter);
    const mjml = renderEmailMjml(context, templates);
    return { issue, view, context, mjml, key: EmailCache.keyOf(mjml), text: renderEmailText(context) };
  });

  const cached = await Promise.all(prepared.map((p) => cache.get(p.key)));
  const missing = prepared.map((p, i) => ({ p, i })).filter(({ i }) => cached[i] === undefined);
  const compiledHere = new Set(missing.map(({ i }) => i));
  const compiled = await compileEmails(missing.map(({ p }) => ({ mjml: p.mjml, template })));
  await Promise.all(missing.map(({ p, i }, j) => ((cached[i] = compiled[j]), cache.put(p.key, compiled[j]!))));

  const files = new Map<string, string>();
  const reports: EmailReport[] = [];
  const warnings: Problem[] = [];
  prepared.forEach((p, i) => {
    const html = cached[i]!;
    const htmlBytes = Buffer.byteLength(html);
    const textBytes = Buffer.byteLength(p.text);
    const base = `emails/${p.view.number}`;
    if (htmlBytes > EMAIL_MAX_BYTES) {
      throw new OutputError(
        `${base}.html`,
        `the email's HTML is ${kb(htmlBytes)} (text part ${kb(textBytes)}), past Gmail's clipping point of about 102 KB; shorten ${p.issue.file} or split it into two issues`,
      );
    }
    if (htmlBytes > EMAIL_WARN_BYTES) {
      warnings.push({ file: p.issue.file, path: "", expected: `email HTML is ${kb(htmlBytes)} (text ${kb(textBytes)}); Gmail clips past about 102 KB` });
    }
    const meta: EmailMeta = {
      number: p.view.number,
      subject: p.context.subject,
      preheader: p.context.preheader,
      url: p.view.url,
      draft: p.view.draft,
      html: `${p.view.number}.html`,
      text: `${p.view.number}.txt`,
      placeholders: PLACEHOLDERS,
      bytes: { html: htmlBytes, text: textBytes },
    };
    files.set(`${base}.html`, html);
    files.set(`${base}.txt`, p.text);
    files.set(`${base}.json`, `${JSON.stringify(meta, null, 2)}\n`);
    reports.push({ number: p.view.number, file: p.issue.file, htmlBytes, textBytes, compiled: compiledHere.has(i) });
  });
  return { files, reports, warnings, keys: new Set(prepared.map((p) => p.key)) };
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
