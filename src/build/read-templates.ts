import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { packagePath } from "../paths.ts";
import { compileEmailTemplates, EMAIL_TEMPLATE_FILES, type EmailTemplates } from "../render/email/templates.ts";
import type { PrecompiledTemplates, TemplateSources } from "../render/template-set.ts";
import { compileWebTemplates, WEB_TEMPLATE_FILES, type WebTemplates } from "../render/web/templates.ts";

/** Where the archive templates ship, inside the package. */
export const WEB_TEMPLATE_DIR = packagePath("src/render/web/templates");
/** The email templates that ship with Gazette; a project's own emails/ folder wins. */
export const DEFAULT_EMAIL_DIR = packagePath("emails");

/**
 * Compiled template sets by their sources: a process that builds again and
 * again (gazette preview) compiles a set once until a file of it changes.
 */
const compiled = new Map<string, { sources: string; set: WebTemplates | EmailTemplates }>();

function memo<T extends WebTemplates | EmailTemplates>(kind: string, dir: string, sources: TemplateSources, make: () => T): T {
  const slot = `${kind}\0${dir}`;
  const text = JSON.stringify(sources);
  const known = compiled.get(slot);
  if (known?.sources === text) return known.set as T;
  const set = make();
  compiled.set(slot, { sources: text, set });
  return set;
}

/** Reads and compiles the archive templates from `dir` (with `precompiled`: see compileTemplateSet). */
export async function readWebTemplates(dir = WEB_TEMPLATE_DIR, precompiled?: PrecompiledTemplates): Promise<WebTemplates> {
  const sources = readSources(dir, WEB_TEMPLATE_FILES);
  return memo("web", dir, sources, () => compileWebTemplates(sources, shown(dir), precompiled));
}

/**
 * Reads and compiles the email templates: `<root>/emails` when it holds an
 * issue.mjml.hbs, else the defaults. A project folder from before the
 * confirmation mail existed gets the default confirm.mjml.hbs.
 */
export async function readEmailTemplates(root: string, precompiled?: PrecompiledTemplates): Promise<EmailTemplates> {
  const own = path.join(root, "emails");
  const dir = existsSync(path.join(own, "issue.mjml.hbs")) ? own : DEFAULT_EMAIL_DIR;
  const sources = readSources(dir, EMAIL_TEMPLATE_FILES);
  if (sources["confirm.mjml.hbs"] === undefined && dir !== DEFAULT_EMAIL_DIR) {
    Object.assign(sources, readSources(DEFAULT_EMAIL_DIR, ["confirm.mjml.hbs"]));
  }
  return memo("email", dir, sources, () => compileEmailTemplates(sources, shown(dir), precompiled));
}

/**
 * Read synchronously: every build reads them all to know whether one
 * changed, and two dozen small files take a tenth of the time that a
 * promise for each takes on the thread pool (10 ms on the bench machine).
 */
function readSources(dir: string, files: readonly string[]): TemplateSources {
  const sources: TemplateSources = {};
  for (const name of files) {
    try {
      sources[name] = readFileSync(path.join(dir, name), "utf8");
    } catch {
      // the compiler names the missing file
    }
  }
  return sources;
}

function shown(dir: string): string {
  return (path.relative(process.cwd(), dir) || ".").replace(/\/$/, "");
}
