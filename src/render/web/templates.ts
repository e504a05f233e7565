import type Handlebars from "handlebars";
import { compileTemplateSet, type TemplateSources } from "../template-set.ts";

/** The archive's templates, compiled. */
export interface WebTemplates {
  layout: Handlebars.TemplateDelegate;
  index: Handlebars.TemplateDelegate;
  issue: Handlebars.TemplateDelegate;
  issueBody: Handlebars.TemplateDelegate;
  preview: Handlebars.TemplateDelegate;
  previewIndex: Handlebars.TemplateDelegate;
  /** The body of the pages the server answers with (signup, confirm, unsubscribe). */
  notice: Handlebars.TemplateDelegate;
  css: string;
  /** Identifies the sources, for cache keys. */
  fingerprint: string;
}

export const WEB_TEMPLATE_FILES = ["layout.hbs", "index.hbs", "issue.hbs", "partials/issue-body.hbs", "preview.hbs", "preview-index.hbs", "notice.hbs", "partials/signup-form.hbs", "style.css"] as const;

export function compileWebTemplates(sources: TemplateSources, dir = "src/render/web/templates"): WebTemplates {
  const set = compileTemplateSet(sources, {
    dir,
    partials: { "issue-body": "partials/issue-body.hbs", "signup-form": "partials/signup-form.hbs" },
    templates: ["layout.hbs", "index.hbs", "issue.hbs", "preview.hbs", "preview-index.hbs", "notice.hbs"],
  });
  return {
    layout: set["layout.hbs"]!,
    index: set["index.hbs"]!,
    issue: set["issue.hbs"]!,
    issueBody: set["partials/issue-body.hbs"]!,
    preview: set["preview.hbs"]!,
    previewIndex: set["preview-index.hbs"]!,
    notice: set["notice.hbs"]!,
    css: sources["style.css"] ?? "",
    fingerprint: WEB_TEMPLATE_FILES.map((f) => `${f}\0${sources[f]}`).join("\0"),
  };
}
