import { sha256Hex } from "../hash.ts";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
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
  /** The entries' file names, read once (one readdir instead of a stat per entry: 4,000 for 1,000 issues). */
  private listing?: Set<string>;
  /** Each entry's size by file name, kept beside the folder: an entry's bytes never change under its name. */
  private sizeIndex?: Map<string, number>;
  private sizesChanged = false;

  /** `writer`: where entries are written (the build shares one between the cache and the search index, and closes it). */
  constructor(
    readonly dir: string,
    readonly writer: FileWriter,
  ) {}

  static keyOf(parts: string[]): string {
    let text = "";
    for (const part of parts) text += `${part.length}:${part}`;
    return sha256Hex(text);
  }

  pathOf(key: string, ext: string): string {
    return path.join(this.dir, `${key}.${ext}`);
  }

  /** Whether every one of the entry's files is there. (Sync: see write-dist.ts.) */
  has(key: string, exts: string[]): boolean {
    const listing = this.names();
    return exts.every((ext) => listing.has(`${key}.${ext}`));
  }

  /** Sizes of the cached files, or undefined unless every one is there. */
  sizes(key: string, exts: string[]): number[] | undefined {
    if (!this.has(key, exts)) return undefined;
    const index = this.sizesKnown();
    return exts.map((ext) => {
      const name = `${key}.${ext}`;
      let size = index.get(name);
      if (size === undefined) {
        size = statSync(path.join(this.dir, name)).size;
        index.set(name, size);
        this.sizesChanged = true;
      }
      return size;
    });
  }

  private names(): Set<string> {
    if (!this.listing) {
      try {
        this.listing = new Set(readdirSync(this.dir));
      } catch {
        this.listing = new Set();
      }
    }
    return this.listing;
  }

  private sizesKnown(): Map<string, number> {
    if (!this.sizeIndex) {
      try {
        const stored = JSON.parse(readFileSync(this.indexFile(), "utf8")) as Record<string, unknown>;
        this.sizeIndex = new Map(Object.entries(stored).filter((e): e is [string, number] => Number.isSafeInteger(e[1]) && (e[1] as number) >= 0));
      } catch {
        // None yet, or unreadable: the sizes are looked up again.
        this.sizeIndex = new Map();
      }
    }
    return this.sizeIndex;
  }

  private indexFile(): string {
    return `${this.dir}.sizes.json`;
  }

  /**
   * Writes an entry: to a temporary name, then renamed, so an entry is
   * there whole or not at all; through the writer, so it is on disk for
   * certain only after flush(). `size`, its UTF-8 length when the caller
   * knows it, saves a stat the next time sizes() asks.
   */
  put(key: string, ext: string, body: string, size?: number): void {
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true });
      this.made = true;
    }
    this.names().add(`${key}.${ext}`);
    if (size !== undefined) {
      this.sizesKnown().set(`${key}.${ext}`, size);
      this.sizesChanged = true;
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
    const gone = names.filter((n) => !keep.has(n.split(".")[0]!));
    await Promise.all(gone.map((n) => rm(path.join(this.dir, n), { force: true })));
    this.saveSizes(new Set(gone));
  }

  /** Keeps the sizes learnt for the next build (written whole, then renamed; losing it costs only stats). */
  private saveSizes(gone: Set<string>): void {
    if (!this.sizeIndex) return;
    for (const name of gone) if (this.sizeIndex.delete(name)) this.sizesChanged = true;
    if (!this.sizesChanged) return;
    const tmp = `${this.indexFile()}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.sizeIndex)));
    renameSync(tmp, this.indexFile());
    this.sizesChanged = false;
  }
}
