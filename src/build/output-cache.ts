import { createHash } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Newsletter } from "../model/newsletter.ts";
import type { FileWriter } from "./file-writer.ts";

/** The newsletter as outputs are made from it: all but `sources`, which only gazette draft reads. */
export function newsletterKey(newsletter: Newsletter): string {
  const { sources: _draftOnly, ...rendered } = newsletter;
  return JSON.stringify(rendered);
}

/** A dist/ file that is the same bytes as a file already on disk: hard-linked, never read. */
export interface LinkedFile {
  linkFrom: string;
}

/**
 * Built per-issue outputs (issue pages, email HTML and text), keyed by a
 * hash of everything they are made from: Gazette's code version (which
 * covers mjml's), the templates, the newsletter, the issue and, for pages,
 * its neighbours. A key can never name stale output, so a rebuild after one
 * edit renders one page (and its neighbours) and compiles one email; the
 * rest are hard-linked into dist/ without being read.
 */
export class OutputCache {
  private made = false;

  /** `writer`: where entries are written (the build shares one between the cache and the search index, and closes it). */
  constructor(
    readonly dir: string,
    readonly writer: FileWriter,
  ) {}

  static keyOf(parts: string[]): string {
    const hash = createHash("sha256");
    for (const part of parts) hash.update(`${part.length}:`).update(part);
    return hash.digest("hex");
  }

  pathOf(key: string, ext: string): string {
    return path.join(this.dir, `${key}.${ext}`);
  }

  /** Sizes of the cached files, or undefined unless every one is there. (Sync: see write-dist.ts.) */
  sizes(key: string, exts: string[]): number[] | undefined {
    const sizes: number[] = [];
    for (const ext of exts) {
      const info = statSync(this.pathOf(key, ext), { throwIfNoEntry: false });
      if (!info) return undefined;
      sizes.push(info.size);
    }
    return sizes;
  }

  /**
   * Writes an entry: to a temporary name, then renamed, so an entry is
   * there whole or not at all; through the writer, so it is on disk for
   * certain only after flush().
   */
  put(key: string, ext: string, body: string): void {
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true });
      this.made = true;
    }
    this.writer.write(this.pathOf(key, ext), body, path.join(this.dir, `.${key}.${ext}.${process.pid}.tmp`));
  }

  /** Resolves once every entry put so far is on disk; rejects with the first that could not be written. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Removes entries whose key no current output uses. */
  async prune(keep: Set<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((n) => !keep.has(n.split(".")[0]!)).map((n) => rm(path.join(this.dir, n), { force: true })));
  }
}
