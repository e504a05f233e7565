import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type Handlebars from "handlebars";
import RuntimeModule from "handlebars/runtime.js";
import { RenderError } from "../errors.ts";

// Handlebars comes in two parts: the runtime, which renders a template
// already compiled to JavaScript, and the compiler (with source-map, about
// 60 ms to load here). A build whose templates are all in the template
// cache loads the runtime alone; the compiler is loaded the first time a
// template has to be compiled.
// (Its typings describe no runtime module: it is Handlebars without compile and precompile.)
const Runtime = RuntimeModule as unknown as typeof Handlebars;
let compiler: typeof Handlebars | undefined;
function fullHandlebars(): typeof Handlebars {
  return (compiler ??= createRequire(import.meta.url)("handlebars") as typeof Handlebars);
}

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
  return createHash("sha256").update(`handlebars ${Runtime.VERSION}\0`).update(source).digest("hex");
}

/**
 * Compiles a set of Handlebars templates with a private instance (escaping
 * on). Each file is parsed now, so a syntax error names its file at build
 * start; a failure while rendering names the file too. With `precompiled`,
 * each template is taken from there, or compiled to its precompiled form
 * now and kept there; without, compiled on first use.
 */
export function compileTemplateSet(sources: TemplateSources, spec: TemplateSetSpec, precompiled?: PrecompiledTemplates): Record<string, Handlebars.TemplateDelegate> {
  // Without a cache, compiled on first use by the full Handlebars; with one, rendered by the runtime.
  const hbs = precompiled ? Runtime.create() : fullHandlebars().create();
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
        js = String(fullHandlebars().precompile(source, { noEscape: false }));
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
