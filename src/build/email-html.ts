import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { collapseWhitespace } from "../render/email/compile.ts";
import { fillEmailShape, parseEmailShape, splitCompiledShape, type CompiledShape, type EmailShape } from "../render/email/shape.ts";
import type { CompileJob, MjmlPool } from "./compile-emails.ts";
import { OutputCache } from "./output-cache.ts";

/** How an email's HTML was made: its shape compiled once and filled, or its document compiled as it is. */
export type EmailRoute = "shape" | "direct";

export interface CompiledEmail {
  html: string;
  route: EmailRoute;
}

/**
 * Email HTML through shapes (see render/email/shape.ts): each distinct shape
 * is compiled by mjml once, kept in `<cache>/shapes/` by a hash of the code
 * version and the shape, and filled per issue. A document with no shape, a
 * shape mjml rejects, or a compiled shape missing one of its sentinels
 * is compiled as it is, so the HTML is always what mjml gives for
 * the issue's own document (test/email-shape.test.ts and the bench check it).
 */
export class EmailHtmlCompiler {
  private readonly shapes = new Map<string, Promise<CompiledShape | undefined>>();
  /** Shapes used by this build, for pruning. */
  readonly used = new Set<string>();
  /** Documents mjml compiled for this build: new shapes, and documents compiled as they are. */
  mjmlRuns = 0;

  constructor(
    private readonly pool: MjmlPool,
    private readonly dir: string,
    private readonly codeVersion: string,
  ) {}

  /** Compiles the jobs (results in order): new shapes and shapeless documents in one batch across the workers. */
  async compile(jobs: CompileJob[]): Promise<CompiledEmail[]> {
    const shaped = jobs.map((job) => parseEmailShape(job.mjml));
    const keys = shaped.map((s) => s && OutputCache.keyOf([this.codeVersion, s.document]));
    // Shapes neither known in this process nor on disk are compiled together, once each.
    const fresh = new Map<string, { shape: EmailShape; template: string }>();
    await Promise.all(
      keys.map(async (key, i) => {
        if (!key) return;
        this.used.add(key);
        if (this.shapes.has(key) || fresh.has(key)) return;
        const stored = await readFile(this.fileOf(key), "utf8").catch(() => undefined);
        if (stored !== undefined) this.shapes.set(key, Promise.resolve(splitCompiledShape(stored, shaped[i]!.runs.length)));
        else fresh.set(key, { shape: shaped[i]!, template: jobs[i]!.template });
      }),
    );
    if (fresh.size > 0) this.compileShapes(fresh);
    const parts = await Promise.all(keys.map((key) => (key ? this.shapes.get(key)! : undefined)));
    const direct = jobs.filter((_, i) => parts[i] === undefined);
    this.mjmlRuns += direct.length;
    const compiled = await this.pool.compile(direct);
    let next = 0;
    return jobs.map((_, i) => {
      const p = parts[i];
      if (p === undefined) return { html: compiled[next++]!, route: "direct" };
      return { html: collapseWhitespace(fillEmailShape(p, shaped[i]!.runs)), route: "shape" };
    });
  }

  /** Removes stored shapes this build did not use; only call after a build that shaped every email. */
  async prune(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => !this.used.has(n.split(".")[0]!)).map((n) => rm(path.join(this.dir, n), { force: true })));
  }

  private compileShapes(fresh: Map<string, { shape: EmailShape; template: string }>): void {
    const entries = [...fresh];
    this.mjmlRuns += entries.length;
    const all = this.pool.compileRaw(entries.map(([, f]) => ({ mjml: f.shape.document, template: f.template }))).then(
      (html) => html,
      () => undefined, // mjml rejected a shape: those documents compile as they are, and report their own error
    );
    entries.forEach(([key, { shape }], j) => {
      this.shapes.set(
        key,
        all.then(async (html) => {
          if (!html) return undefined;
          const parts = splitCompiledShape(html[j]!, shape.runs.length);
          if (parts) await this.store(key, html[j]!);
          return parts;
        }),
      );
    });
  }

  private fileOf(key: string): string {
    return path.join(this.dir, `${key}.html`);
  }

  private async store(key: string, html: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.fileOf(key)}.${process.pid}.tmp`;
    await writeFile(tmp, html);
    await rename(tmp, this.fileOf(key));
  }
}
