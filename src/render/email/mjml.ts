import { EMAIL_IMAGE_WIDTH } from "../figures.ts";
import type { EmailContext } from "./context.ts";
import type { EmailTemplates } from "./templates.ts";

/** The whole MJML document for one issue. Pure: Handlebars only. */
export function renderEmailMjml(context: EmailContext, templates: EmailTemplates): string {
  return templates.issue({ ...context, issue: { ...context.issue, sections: context.issue.sections.map((s) => emailSection(s, context.fontStack)) } });
}

/**
 * A summary's image in mail: a width when it has none (a remote image),
 * never wider than the column, and its alt text in the issue's font when
 * the inbox blocks images; lazy loading means nothing there.
 */
function emailImg(attrs: string, fontStack: string): string {
  const rest = attrs.replace(/ loading="lazy"| decoding="async"/g, "");
  const style = `max-width:100%;height:auto;font-family:${fontStack.replace(/"/g, "'")};color:#59636e;`;
  return /(^|\s)width="/.test(rest) ? `<img style="${style}" ${rest}>` : `<img width="${EMAIL_IMAGE_WIDTH}" style="${style}" ${rest}>`;
}

/**
 * Summaries for mail: images get a width (Outlook needs one) and shrink to
 * fit phones; rel="noopener" means nothing in a mail client.
 */
function emailSection(section: EmailContext["issue"]["sections"][number], fontStack: string) {
  return {
    ...section,
    items: section.items.map((item) => ({
      ...item,
      summaryHtml: item.summaryHtml.replace(/<img ([^>]*)>/g, (_, attrs: string) => emailImg(attrs, fontStack)).replace(/ rel="noopener"/g, ""),
    })),
  };
}
