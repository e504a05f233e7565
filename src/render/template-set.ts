import { createHash } from "node:crypto";
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
 * Templates compiled to JavaScript earlier (Handlebars' precompiled form),
 * by a key that covers the source and Handlebars' version: a build that
 * finds its templates there skips Handlebars' compiler, about 50 ms of
 * every build's start here (see build/template-cache.ts).
 */
export interface PrecompiledTemplates {
  get(key: string): string | undefined;
  set(key: string, spec: string): void;
}

/** What a template's precompiled form is kept under. */
export function precompiledKey(source: string): string {
  return createHash("sha256").update(`handlebars ${Handlebars.VERSION}\0`).update(source).digest("hex");
}

/**
 * Compiles a set of Handlebars templates with a private instance (escaping
 * on). Each file is parsed now, so a syntax error names its file at build
 * start; a failure while rendering names the file too. With `precompiled`,
 * each template is taken from there, or compiled to its precompiled form
 * now and kept there; without, compiled on first use.
 */
export function compileTemplateSet(sources: TemplateSources, spec: TemplateSetSpec, precompiled?: PrecompiledTemplates): Record<string, Handlebars.TemplateDelegate> {
  const hbs = Handlebars.create();
  hbs.registerHelper("or", (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  const compile = (file: string) => {
    const source = sources[file];
    if (source === undefined) throw new RenderError(`${spec.dir}/${file}`, "template file is missing");
    try {
      if (!precompiled) {
        hbs.parse(source); // syntax errors surface here; compiling waits for the first use
        return named(hbs.compile(source, { noEscape: false }), `${spec.dir}/${file}`);
      }
      const key = precompiledKey(source);
      let js = precompiled.get(key);
      if (js === undefined) {
        // Handlebars' precompile() gives the template as JavaScript source (its typings say otherwise).
        js = String(hbs.precompile(source, { noEscape: false }));
        precompiled.set(key, js);
      }
      // Handlebars' own output for this very source, kept in the project's cache.
      return named(hbs.template(new Function(`return ${js};`)() as Parameters<typeof hbs.template>[0]), `${spec.dir}/${file}`);
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
