import Handlebars from "handlebars";
import { RenderError } from "../../errors.ts";

/** The archive's templates, compiled; built from sources by `compileWebTemplates`. */
export interface WebTemplates {
  layout: Handlebars.TemplateDelegate;
  index: Handlebars.TemplateDelegate;
  issue: Handlebars.TemplateDelegate;
  issueBody: Handlebars.TemplateDelegate;
  css: string;
}

/** Template sources by file name (layout.hbs, index.hbs, issue.hbs, partials/issue-body.hbs, style.css). */
export type WebTemplateSources = Record<string, string>;

export const WEB_TEMPLATE_FILES = ["layout.hbs", "index.hbs", "issue.hbs", "partials/issue-body.hbs", "style.css"] as const;

/**
 * Compiles the sources with a private Handlebars instance, escaping on.
 * Each template is compiled eagerly, so a syntax error names its file now
 * rather than at the first render.
 */
export function compileWebTemplates(sources: WebTemplateSources, dir = "src/render/web/templates"): WebTemplates {
  const hbs = Handlebars.create();
  const compile = (name: string) => {
    const source = sources[name];
    if (source === undefined) throw new RenderError(`${dir}/${name}`, "template file is missing");
    try {
      const template = hbs.compile(source, { noEscape: false, strict: false });
      template({}); // forces the parse now
      return wrap(template, `${dir}/${name}`);
    } catch (cause) {
      if (cause instanceof RenderError) throw cause;
      throw new RenderError(`${dir}/${name}`, (cause as Error).message, { cause });
    }
  };
  const issueBody = compile("partials/issue-body.hbs");
  hbs.registerPartial("issue-body", issueBody);
  return {
    layout: compile("layout.hbs"),
    index: compile("index.hbs"),
    issue: compile("issue.hbs"),
    issueBody,
    css: sources["style.css"] ?? "",
  };
}

function wrap(template: Handlebars.TemplateDelegate, file: string): Handlebars.TemplateDelegate {
  return (context, options) => {
    try {
      return template(context, options);
    } catch (cause) {
      throw new RenderError(file, (cause as Error).message, { cause });
    }
  };
}
