import type Handlebars from "handlebars";
import { compileTemplateSet, type PrecompiledTemplates, type TemplateSources } from "../template-set.ts";

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
  /** tags/<slug>/, tags/ and search/. */
  tag: Handlebars.TemplateDelegate;
  tags: Handlebars.TemplateDelegate;
  search: Handlebars.TemplateDelegate;
  css: string;
  /** assets/search.js: the search page's script (a file: the pages allow no inline script). */
  searchJs: string;
  /** assets/search-terms.js: how search.js cuts a query into terms, the module the build cuts the index with. */
  searchTermsJs: string;
  /** Identifies the sources, for cache keys. */
  fingerprint: string;
}

export const WEB_TEMPLATE_FILES = ["layout.hbs", "index.hbs", "issue.hbs", "partials/issue-body.hbs", "preview.hbs", "preview-index.hbs", "notice.hbs", "partials/signup-form.hbs", "style.css",
  "partials/figure.hbs", "tag.hbs", "tags.hbs", "search.hbs", "partials/tag-list.hbs", "search.js", "search-terms.js"] as const;

export function compileWebTemplates(sources: TemplateSources, dir = "src/render/web/templates", precompiled?: PrecompiledTemplates): WebTemplates {
  const set = compileTemplateSet(sources, {
    dir,
    partials: { "issue-body": "partials/issue-body.hbs", "signup-form": "partials/signup-form.hbs", "tag-list": "partials/tag-list.hbs", figure: "partials/figure.hbs" },
    templates: ["layout.hbs", "index.hbs", "issue.hbs", "preview.hbs", "preview-index.hbs", "notice.hbs", "tag.hbs", "tags.hbs", "search.hbs"],
  }, precompiled);
  return {
    layout: set["layout.hbs"]!,
    index: set["index.hbs"]!,
    issue: set["issue.hbs"]!,
    issueBody: set["partials/issue-body.hbs"]!,
    preview: set["preview.hbs"]!,
    previewIndex: set["preview-index.hbs"]!,
    notice: set["notice.hbs"]!,
    tag: set["tag.hbs"]!,
    tags: set["tags.hbs"]!,
    search: set["search.hbs"]!,
    css: sources["style.css"] ?? "",
    searchJs: sources["search.js"] ?? "",
    searchTermsJs: sources["search-terms.js"] ?? "",
    fingerprint: WEB_TEMPLATE_FILES.map((f) => `${f}\0${sources[f]}`).join("\0"),
  };
}
