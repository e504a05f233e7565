import { statSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import type { Problem } from "../errors.ts";
import type { Issue } from "../model/issue.ts";

/** What identifies a file's text without reading it (as git's index does). */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

interface Entry {
  /** Hash of the text (the issue's fingerprint). */
  key: string;
  stamp: FileStamp;
  /** The newsletter's UTC offset when parsed: bare dates depend on it. */
  utcOffset: string;
  issue: Issue;
  warnings: Problem[];
  /**
   * What the build derives from the issue alone (its summary, its items'
   * headings), by name, with the key of what else it was made from (the
   * newsletter): a build after one edit would otherwise derive them again
   * for every issue.
   */
  derived?: Record<string, { key: string; value: unknown }>;
}

/**
 * Parsed issues by file. YAML parsing is most of a rebuild's time, and an
 * unchanged file parses to the same issue; a file whose size, mtime and
 * inode are as recorded is not even read. The version given to `open`
 * covers Gazette's code, so a change to it starts afresh; each entry
 * records the UTC offset it was parsed with. Stored with v8's serializer (twice as fast as JSON
 * for 20 MB of text, and Dates survive).
 */
export class ContentCache {
  /**
   * The caches this process opened, with the stamp of the file as it last
   * read or wrote it: a process that builds again and again (gazette
   * preview) reuses its own instead of reading 20 MB back, unless another
   * process has written the file since.
   */
  private static readonly open_ = new Map<string, { cache: ContentCache; stamp: string }>();
  private entries = new Map<string, Entry>();
  private dirty = false;

  private constructor(
    private readonly file: string,
    readonly version: string,
  ) {}

  static async open(file: string, version: string): Promise<ContentCache> {
    const stamp = fileStamp(file);
    const known = ContentCache.open_.get(file);
    if (known && known.stamp === stamp && known.cache.version === version) return known.cache;
    const cache = new ContentCache(file, version);
    try {
      const data = deserialize(await readFile(file)) as { version: string; entries: [string, Entry][] };
      if (data.version === version) cache.entries = new Map(data.entries);
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
    ContentCache.open_.set(file, { cache, stamp });
    return cache;
  }

  /** The entry for an unchanged file, known from its stamp alone. */
  byStamp(file: string, stamp: FileStamp, utcOffset: string): Entry | undefined {
    const entry = this.entries.get(file);
    const s = entry?.stamp;
    return s && entry.utcOffset === utcOffset && s.size === stamp.size && s.mtimeMs === stamp.mtimeMs && s.ino === stamp.ino ? entry : undefined;
  }

  /** The entry for a file whose text hashes to `key` (touched, not changed). */
  byKey(file: string, key: string, stamp: FileStamp): Entry | undefined {
    const entry = this.entries.get(file);
    if (entry?.key !== key) return undefined;
    entry.stamp = stamp;
    this.dirty = true;
    return entry;
  }

  set(file: string, entry: Entry): void {
    this.entries.set(file, entry);
    this.dirty = true;
  }

  /**
   * `make()`, kept with the issue's entry under `name` while `key` is the
   * same; made afresh for an issue that is not this cache's (a build
   * without a cache, a draft made up by a test).
   */
  derived<T>(issue: Issue, name: string, key: string, make: () => T): T {
    const entry = this.entries.get(issue.file);
    if (entry?.issue !== issue) return make();
    const known = entry.derived?.[name];
    if (known?.key === key) return known.value as T;
    const value = make();
    entry.derived = { ...entry.derived, [name]: { key, value } };
    this.dirty = true;
    return value;
  }

  /** Forgets the files not seen this time. */
  retain(seen: Set<string>): void {
    for (const file of this.entries.keys()) {
      if (!seen.has(file)) {
        this.entries.delete(file);
        this.dirty = true;
      }
    }
  }

  /** Writes the cache (atomically) if anything changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, serialize({ version: this.version, entries: [...this.entries] }));
    await rename(tmp, this.file);
    this.dirty = false;
    ContentCache.open_.set(this.file, { cache: this, stamp: fileStamp(this.file) });
  }
}

function fileStamp(file: string): string {
  const info = statSync(file, { throwIfNoEntry: false });
  return info ? `${info.size}:${info.mtimeMs}:${info.ino}` : "none";
}
