import type Handlebars from "handlebars";
import { compileTemplateSet, type TemplateSources } from "../template-set.ts";

export interface EmailTemplates {
  issue: Handlebars.TemplateDelegate;
  /** Shown in errors: where the templates came from. */
  dir: string;
}

export const EMAIL_TEMPLATE_FILES = [
  "issue.mjml.hbs",
  "partials/head.mjml.hbs",
  "partials/masthead.mjml.hbs",
  "partials/item.mjml.hbs",
  "partials/footer.mjml.hbs",
] as const;

export function compileEmailTemplates(sources: TemplateSources, dir = "emails"): EmailTemplates {
  const set = compileTemplateSet(sources, {
    dir,
    partials: {
      head: "partials/head.mjml.hbs",
      masthead: "partials/masthead.mjml.hbs",
      item: "partials/item.mjml.hbs",
      footer: "partials/footer.mjml.hbs",
    },
    templates: ["issue.mjml.hbs"],
  });
  return { issue: set["issue.mjml.hbs"]!, dir };
}
