import type Handlebars from "handlebars";
import { compileTemplateSet, type PrecompiledTemplates, type TemplateSources } from "../template-set.ts";

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
export function compileEmailTemplates(sources: TemplateSources, dir = "emails", precompiled?: PrecompiledTemplates): EmailTemplates {
  let set: Record<string, Handlebars.TemplateDelegate> | undefined;
  const compile = () =>
    (set ??= compileTemplateSet(withPlaceholderFields(sources), {
      dir,
      partials: {
        head: "partials/head.mjml.hbs",
        masthead: "partials/masthead.mjml.hbs",
        item: "partials/item.mjml.hbs",
        footer: "partials/footer.mjml.hbs",
      },
      templates: ["issue.mjml.hbs", "confirm.mjml.hbs"],
    }, precompiled));
  const fingerprint = EMAIL_TEMPLATE_FILES.map((f) => `${f}\0${sources[f]}`).join("\0");
  return {
    issue: (context, options) => compile()["issue.mjml.hbs"]!(context, options),
    confirm: (context, options) => compile()["confirm.mjml.hbs"]!(context, options),
    dir,
    fingerprint,
  };
}

/**
 * A token typed into a template ("[[gazette:email]]" rather than
 * {{placeholders.email}}) is the template's own: it becomes the field, so
 * that it gets the one-off marker and survives the neutralising of
 * placeholder syntax that came from content.
 */
function withPlaceholderFields(sources: TemplateSources): TemplateSources {
  const field: Record<string, string> = { email: "email", unsubscribe_url: "unsubscribeUrl", confirm_url: "confirmUrl" };
  return Object.fromEntries(
    Object.entries(sources).map(([file, source]) => [file, source.replace(/\[\[gazette:(email|unsubscribe_url|confirm_url)\]\]/g, (_, name: string) => `{{placeholders.${field[name]}}}`)]),
  );
}
