import type { EmailContext } from "./context.ts";
import type { EmailTemplates } from "./templates.ts";

/** The whole MJML document for one issue. Pure: Handlebars only. */
export function renderEmailMjml(context: EmailContext, templates: EmailTemplates): string {
  return templates.issue({ ...context, issue: { ...context.issue, sections: context.issue.sections.map(emailSection) } });
}

/**
 * Summaries for mail: images get a width (Outlook needs one) and shrink to
 * fit phones; rel="noopener" means nothing in a mail client.
 */
function emailSection(section: EmailContext["issue"]["sections"][number]) {
  return {
    ...section,
    items: section.items.map((item) => ({
      ...item,
      summaryHtml: item.summaryHtml.replace(/<img /g, '<img width="592" style="max-width:100%;height:auto;" ').replace(/ rel="noopener"/g, ""),
    })),
  };
}
