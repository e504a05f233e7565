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
 * records the UTC offset it was parsed with.
 *
 * Stored with v8's serializer (twice as fast as JSON for 20 MB of text, and
 * Dates survive), two frames per entry: a save serializes again only the
 * entries this build changed and writes the others' bytes as they were
 * read. After one edit in 1,000 issues that is one entry, not 24 MB.
 *
 * An issue's sections (its items: two thirds of the bytes) are a frame of
 * their own, read when first asked for. A rebuild after one edit asks for
 * those of the issues it renders again and of the feeds' newest; the rest
 * it knows by what the cache keeps beside them (see derived()).
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
  /** Each entry's bytes as last read or written, but for its issue's sections; an entry without is serialized at the next save. */
  private frames = new Map<string, Buffer>();
  /** The bytes of each issue's sections, as last read or written. */
  private sectionFrames = new Map<string, Buffer>();
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
      const frames = readFrames(await readFile(file), version);
      if (frames) {
        if (frames.length % 2 !== 0) throw new Error("cut short");
        for (let i = 0; i < frames.length; i += 2) {
          const [name, entry] = deserialize(frames[i]!) as [string, Entry];
          readLater(entry.issue, frames[i + 1]!);
          cache.entries.set(name, entry);
          cache.frames.set(name, frames[i]!);
          cache.sectionFrames.set(name, frames[i + 1]!);
        }
      }
    } catch {
      // no cache yet, or an unreadable one: start empty
      cache.entries.clear();
      cache.frames.clear();
      cache.sectionFrames.clear();
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
    this.changed(file);
    return entry;
  }

  set(file: string, entry: Entry): void {
    this.entries.set(file, entry);
    this.sectionFrames.delete(file);
    this.changed(file);
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
    this.changed(issue.file);
    return value;
  }

  /** Forgets the files not seen this time. */
  retain(seen: Set<string>): void {
    for (const file of this.entries.keys()) {
      if (!seen.has(file)) {
        this.entries.delete(file);
        this.frames.delete(file);
        this.sectionFrames.delete(file);
        this.dirty = true;
      }
    }
  }

  /** Writes the cache (atomically) if anything changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const parts: Buffer[] = [header(this.version)];
    for (const [name, entry] of this.entries) {
      let frame = this.frames.get(name);
      if (!frame) {
        frame = serialize([name, { ...entry, issue: withoutSections(entry.issue) }]);
        this.frames.set(name, frame);
      }
      let sections = this.sectionFrames.get(name);
      if (!sections) {
        sections = serialize(entry.issue.sections);
        this.sectionFrames.set(name, sections);
      }
      parts.push(frameLength(frame.length), frame, frameLength(sections.length), sections);
    }
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.concat(parts));
    await rename(tmp, this.file);
    this.dirty = false;
    ContentCache.open_.set(this.file, { cache: this, stamp: fileStamp(this.file) });
  }

  private changed(file: string): void {
    this.frames.delete(file);
    this.dirty = true;
  }
}

// The file: MAGIC, the length of the version (4 bytes, little-endian) and
// the version in UTF-8, then each entry as two frames, each its length (4
// bytes) and its bytes: v8's serialization of [file, entry] with the
// issue's sections null (in their place, so the issue's keys keep their
// order), then of the sections.
const MAGIC = Buffer.from("gazette-content-cache 3\n");

/** The issue with sections null, without reading sections not read yet. */
function withoutSections(issue: Issue): Issue {
  const light: Record<string, unknown> = {};
  for (const key of Object.keys(issue)) light[key] = key === "sections" ? null : issue[key as keyof Issue];
  return light as unknown as Issue;
}

/** Makes `issue.sections` read `frame` when first asked for (issues are not changed once parsed). */
function readLater(issue: Issue, frame: Buffer): void {
  let sections: Issue["sections"] | undefined;
  Object.defineProperty(issue, "sections", {
    get: () => (sections ??= deserialize(frame) as Issue["sections"]),
    enumerable: true,
    configurable: true,
  });
}

function header(version: string): Buffer {
  const text = Buffer.from(version);
  return Buffer.concat([MAGIC, frameLength(text.length), text]);
}

function frameLength(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n);
  return b;
}

/** The entries' frames, or undefined for a cache of another version or format; throws on a file cut short. */
function readFrames(data: Buffer, version: string): Buffer[] | undefined {
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  let at = MAGIC.length;
  const take = (): Buffer => {
    if (at + 4 > data.length) throw new Error("cut short");
    const n = data.readUInt32LE(at);
    if (at + 4 + n > data.length) throw new Error("cut short");
    const frame = data.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return frame;
  };
  if (take().toString() !== version) return undefined;
  const frames: Buffer[] = [];
  while (at < data.length) frames.push(take());
  return frames;
}

function fileStamp(file: string): string {
  const info = statSync(file, { throwIfNoEntry: false });
  return info ? `${info.size}:${info.mtimeMs}:${info.ino}` : "none";
}
