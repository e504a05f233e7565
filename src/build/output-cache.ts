import { createHash } from "node:crypto";
import { mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Newsletter } from "../model/newsletter.ts";

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

  constructor(readonly dir: string) {}

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
   * there whole or not at all. Synchronous: the text can be let go the
   * moment it is written, young, instead of waiting on the thread pool
   * while other outputs are rendered (a thousand pages in flight are
   * garbage that outlives V8's cheap collections and grows the heap).
   */
  putSync(key: string, ext: string, body: string): void {
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true });
      this.made = true;
    }
    const tmp = path.join(this.dir, `.${key}.${ext}.${process.pid}.tmp`);
    writeFileSync(tmp, body);
    renameSync(tmp, this.pathOf(key, ext));
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
