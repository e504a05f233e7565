import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { mkdir, readFile, rename, rm, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ImageLimits, Inspection } from "./inspect.ts";
import type { ProcessedImage } from "./variants.ts";

// Image work is cached like pages and emails: an inspection by the file's
// stamp (size, mtime, inode) and the limits it was checked against; the
// variants by a hash of the source's bytes and of how they are made, so a
// rebuild re-processes only images that changed. Safe to delete any time.

interface IndexEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  limits: string;
  inspection: Inspection;
  /** Hash of the bytes and the variant settings, once read. */
  key?: string;
}

export class ImageCache {
  private index = new Map<string, IndexEntry>();
  private dirty = false;

  private constructor(
    readonly dir: string,
    private readonly version: string,
  ) {}

  static async open(dir: string, version: string): Promise<ImageCache> {
    const cache = new ImageCache(dir, version);
    try {
      const data = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { version: string; files: [string, IndexEntry][] };
      if (data.version === version) cache.index = new Map(data.files);
    } catch {
      // none yet, or unreadable: start empty
    }
    return cache;
  }

  /** The inspection recorded for this file, if it is unchanged and was checked against the same limits. */
  inspection(absPath: string, file: string, limits: ImageLimits): Inspection | undefined {
    const entry = this.current(absPath, file, limits);
    return entry?.inspection;
  }

  recordInspection(absPath: string, file: string, limits: ImageLimits, inspection: Inspection): void {
    const info = statSync(absPath, { throwIfNoEntry: false });
    if (!info) return;
    this.index.set(file, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, limits: JSON.stringify(limits), inspection });
    this.dirty = true;
  }

  /** The key of an unchanged file's bytes, if known. */
  keyOf(absPath: string, file: string, limits: ImageLimits): string | undefined {
    return this.current(absPath, file, limits)?.key;
  }

  recordKey(file: string, key: string): void {
    const entry = this.index.get(file);
    if (entry) {
      entry.key = key;
      this.dirty = true;
    }
  }

  static keyOfBytes(bytes: Buffer, settings: string): string {
    return createHash("sha256").update(settings).update("\0").update(bytes).digest("hex");
  }

  variantPath(file: string): string {
    return path.join(this.dir, "v", path.basename(file));
  }

  /** The processed image for a key, if every one of its variant files is still there. */
  async processed(key: string): Promise<ProcessedImage | undefined> {
    try {
      const image = JSON.parse(await readFile(path.join(this.dir, `${key}.json`), "utf8")) as ProcessedImage;
      const all = [...image.webp, ...image.fallback, ...image.email];
      return all.every((v) => statSync(this.variantPath(v.file), { throwIfNoEntry: false })?.size === v.bytes) ? image : undefined;
    } catch {
      return undefined;
    }
  }

  async store(key: string, image: ProcessedImage, files: Map<string, Buffer>): Promise<void> {
    await mkdir(path.join(this.dir, "v"), { recursive: true });
    for (const [file, bytes] of files) await writeAtomic(this.variantPath(file), bytes);
    await writeAtomic(path.join(this.dir, `${key}.json`), JSON.stringify(image));
  }

  /** Saves the index, keeping only the files seen, and removes variants no current image uses. */
  async save(seen: Set<string>, keep: { keys: Set<string>; variants: Set<string> }): Promise<void> {
    for (const file of [...this.index.keys()]) {
      if (!seen.has(file)) {
        this.index.delete(file);
        this.dirty = true;
      }
    }
    if (this.dirty) {
      await mkdir(this.dir, { recursive: true });
      await writeAtomic(path.join(this.dir, "index.json"), JSON.stringify({ version: this.version, files: [...this.index] }));
      this.dirty = false;
    }
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.endsWith(".json") && n !== "index.json" && !keep.keys.has(n.slice(0, -5))).map((n) => rm(path.join(this.dir, n), { force: true })));
    const variants = await readdir(path.join(this.dir, "v")).catch(() => [] as string[]);
    await Promise.all(variants.filter((n) => !keep.variants.has(n)).map((n) => rm(path.join(this.dir, "v", n), { force: true })));
  }

  private current(absPath: string, file: string, limits: ImageLimits): IndexEntry | undefined {
    const entry = this.index.get(file);
    if (!entry || entry.limits !== JSON.stringify(limits)) return undefined;
    const info = statSync(absPath, { throwIfNoEntry: false });
    return info && info.size === entry.size && info.mtimeMs === entry.mtimeMs && info.ino === entry.ino ? entry : undefined;
  }
}

async function writeAtomic(file: string, body: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, body);
  await rename(tmp, file);
}
