import type Handlebars from "handlebars";
import { compileTemplateSet, type TemplateSources } from "../template-set.ts";

export interface EmailTemplates {
  issue: Handlebars.TemplateDelegate;
  /** The double opt-in mail. */
  confirm: Handlebars.TemplateDelegate;
  /** Shown in errors: where the templates came from. */
  dir: string;
  /** Identifies the sources, for cache keys. */
  fingerprint: string;
}

export const EMAIL_TEMPLATE_FILES = [
  "issue.mjml.hbs",
  "confirm.mjml.hbs",
  "partials/head.mjml.hbs",
  "partials/masthead.mjml.hbs",
  "partials/item.mjml.hbs",
  "partials/footer.mjml.hbs",
] as const;

/**
 * The email templates, compiled on first use: when every email comes from
 * the cache (whose keys include these sources) they are never needed, and
 * when any source changed every email is rendered, so a syntax error still
 * fails the build.
 */
export function compileEmailTemplates(sources: TemplateSources, dir = "emails"): EmailTemplates {
  let set: Record<string, Handlebars.TemplateDelegate> | undefined;
  const compile = () =>
    (set ??= compileTemplateSet(sources, {
      dir,
      partials: {
        head: "partials/head.mjml.hbs",
        masthead: "partials/masthead.mjml.hbs",
        item: "partials/item.mjml.hbs",
        footer: "partials/footer.mjml.hbs",
      },
      templates: ["issue.mjml.hbs", "confirm.mjml.hbs"],
    }));
  const fingerprint = EMAIL_TEMPLATE_FILES.map((f) => `${f}\0${sources[f]}`).join("\0");
  return {
    issue: (context, options) => compile()["issue.mjml.hbs"]!(context, options),
    confirm: (context, options) => compile()["confirm.mjml.hbs"]!(context, options),
    dir,
    fingerprint,
  };
}
