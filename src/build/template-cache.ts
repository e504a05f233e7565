import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PrecompiledTemplates } from "../render/template-set.ts";

/** Precompiled templates kept: more than any project's sets, few enough that an edited template's old forms go. */
const KEEP = 64;

/**
 * The templates' precompiled forms (see compileTemplateSet), in one JSON
 * file of the build cache: key (source and Handlebars version, hashed) →
 * JavaScript source. It holds what Handlebars itself wrote for these
 * sources, in a folder as much the project's as its templates are. Read
 * whole when opened; written (tmp, then renamed) only when a template was
 * compiled, newest last, keeping the last KEEP.
 */
export class TemplateCache implements PrecompiledTemplates {
  private readonly specs: Map<string, string>;
  private dirty = false;

  private constructor(
    private readonly file: string,
    specs: Map<string, string>,
  ) {
    this.specs = specs;
  }

  static open(file: string): TemplateCache {
    let specs = new Map<string, string>();
    try {
      const data = JSON.parse(readFileSync(file, "utf8")) as unknown;
      if (Array.isArray(data) && data.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && typeof e[1] === "string")) specs = new Map(data as [string, string][]);
    } catch {
      // none yet, or unreadable: templates are compiled again
    }
    return new TemplateCache(file, specs);
  }

  get(key: string): string | undefined {
    return this.specs.get(key);
  }

  set(key: string, spec: string): void {
    this.specs.delete(key);
    this.specs.set(key, spec);
    this.dirty = true;
  }

  save(): void {
    if (!this.dirty) return;
    const kept = [...this.specs].slice(-KEEP);
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(kept));
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
