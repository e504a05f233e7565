import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { MJML_OPTIONS } from "../render/email/compile.ts";

const MJML_VERSION = (createRequire(import.meta.url)("mjml/package.json") as { version: string }).version;

/**
 * Compiled email HTML, keyed by a hash of everything compiling depends on:
 * the generated MJML document (which already holds the issue, the
 * newsletter and the templates), mjml's version and its options. A key
 * can therefore never name stale output.
 */
export class EmailCache {
  constructor(readonly dir: string) {}

  static keyOf(mjml: string): string {
    return createHash("sha256").update(`${MJML_VERSION}\0${JSON.stringify(MJML_OPTIONS)}\0${mjml}`).digest("hex");
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(path.join(this.dir, `${key}.html`), "utf8");
    } catch {
      return undefined;
    }
  }

  async put(key: string, html: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.${key}.${process.pid}.tmp`);
    await writeFile(tmp, html);
    await rename(tmp, path.join(this.dir, `${key}.html`));
  }

  /** Removes entries no current issue uses. */
  async prune(keep: Set<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((n) => !keep.has(n.replace(/\.html$/, ""))).map((n) => rm(path.join(this.dir, n), { force: true })));
  }
}
