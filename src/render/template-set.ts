import Handlebars from "handlebars";
import { RenderError } from "../errors.ts";

/** Template sources by file name relative to their folder. */
export type TemplateSources = Record<string, string>;

export interface TemplateSetSpec {
  /** Folder the sources came from, as shown in error messages. */
  dir: string;
  /** Partial name → file. */
  partials: Record<string, string>;
  /** Files to compile as top-level templates. */
  templates: string[];
}

/**
 * Compiles a set of Handlebars templates with a private instance (escaping
 * on). Each file is parsed now, so a syntax error names its file at build
 * start; a failure while rendering names the file too.
 */
export function compileTemplateSet(sources: TemplateSources, spec: TemplateSetSpec): Record<string, Handlebars.TemplateDelegate> {
  const hbs = Handlebars.create();
  hbs.registerHelper("or", (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  const compile = (file: string) => {
    const source = sources[file];
    if (source === undefined) throw new RenderError(`${spec.dir}/${file}`, "template file is missing");
    try {
      hbs.parse(source); // syntax errors surface here; compiling waits for the first use
      return named(hbs.compile(source, { noEscape: false }), `${spec.dir}/${file}`);
    } catch (cause) {
      throw new RenderError(`${spec.dir}/${file}`, (cause as Error).message, { cause });
    }
  };
  const out: Record<string, Handlebars.TemplateDelegate> = {};
  for (const [name, file] of Object.entries(spec.partials)) {
    out[file] = compile(file);
    hbs.registerPartial(name, out[file]);
  }
  for (const file of spec.templates) out[file] = compile(file);
  return out;
}

function named(template: Handlebars.TemplateDelegate, file: string): Handlebars.TemplateDelegate {
  return (context, options) => {
    try {
      return template(context, options);
    } catch (cause) {
      throw new RenderError(file, (cause as Error).message, { cause });
    }
  };
}
