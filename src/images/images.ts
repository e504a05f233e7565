import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Problem } from "../errors.ts";
import type { Issue } from "../model/issue.ts";
import { ImageCache } from "./cache.ts";
import { inspectImage, loadSharp, type ImageLimits, type Inspection } from "./inspect.ts";
import { makeVariants, VARIANTS_VERSION, type ProcessedImage } from "./variants.ts";

// The image step of check and build: every picture an issue uses is
// checked where it is used, and each file is processed once however many
// issues use it.

/** Processed images by the file they come from (content/issues/036/fig.png). */
export type ImageIndex = ReadonlyMap<string, ProcessedImage>;

/** Every problem with the pictures the issues use, located where each is used. */
export async function checkImages(root: string, issues: Issue[], limits: ImageLimits, cache?: ImageCache): Promise<Problem[]> {
  const problems: Problem[] = [];
  const inspections = await inspectAll(root, issues, limits, cache);
  for (const issue of issues) {
    for (const ref of issue.images) {
      const at = { file: issue.file, path: ref.path, line: ref.line };
      if (ref.alt.trim() === "") problems.push({ ...at, expected: "expected alt text: what the image shows, for readers who cannot see it", received: JSON.stringify(ref.src) });
      if (ref.outside) {
        problems.push({ ...at, expected: "expected a path to an image inside content/ (relative to the issue file) or an https URL", received: JSON.stringify(ref.src) });
        continue;
      }
      if (!ref.file) {
        if (!/^https:\/\//i.test(ref.src)) problems.push({ ...at, expected: "expected an https URL or a path to an image beside the issue", received: JSON.stringify(ref.src) });
        continue;
      }
      const inspection = inspections.get(ref.file)!;
      if (!inspection.ok) problems.push({ ...at, expected: `${ref.file}: ${inspection.expected}`, received: inspection.received });
    }
  }
  return problems;
}

/**
 * Makes the variants of every local image the issues use (from the cache
 * when the bytes are unchanged). Call after checkImages found no problem.
 * Returns the index the renderers read and the files to link into dist/.
 */
export async function processImages(root: string, issues: Issue[], limits: ImageLimits, cache: ImageCache): Promise<{ images: Map<string, ProcessedImage>; files: Map<string, { linkFrom: string }>; processed: number }> {
  const images = new Map<string, ProcessedImage>();
  const files = new Map<string, { linkFrom: string }>();
  const inspections = await inspectAll(root, issues, limits, cache);
  // sharp (a tenth of a second to import, with libvips) only where there are pictures.
  const settings = inspections.size > 0 ? await settingsKey() : "";
  const keys = new Set<string>();
  let processed = 0;
  // Two at a time: libvips threads each one, and a third would only queue.
  await eachLimited([...inspections], 2, async ([file, inspection]) => {
    if (!inspection.ok) throw new Error(`${file}: ${inspection.expected}`);
    const absPath = path.join(root, file);
    let key = cache.keyOf(absPath, file, limits);
    let image = key ? await cache.processed(key) : undefined;
    if (!image) {
      const bytes = await readFile(absPath);
      key = cacheKey(bytes, settings);
      image = await cache.processed(key);
      if (!image) {
        const made = await makeVariants(bytes, inspection.info, path.basename(file));
        await cache.store(key, made.image, made.files);
        image = made.image;
        processed++;
      }
      cache.recordKey(file, key);
    }
    keys.add(key!);
    images.set(file, image);
    for (const v of [...image.webp, ...image.fallback, ...image.email]) files.set(v.file, { linkFrom: cache.variantPath(v.file) });
  });
  await cache.save(new Set(inspections.keys()), { keys, variants: new Set([...files.keys()].map((f) => path.basename(f))) });
  return { images, files, processed };
}

/**
 * Each issue's fingerprint (the hash of its source) extended with the
 * processed files of the pictures it shows, so that a changed picture
 * renders its pages and email again. Pure.
 */
export function imageFingerprints(issues: Issue[], fingerprints: Map<string, string>, images: ImageIndex): Map<string, string> {
  const result = new Map(fingerprints);
  for (const issue of issues) {
    const used = issue.images.flatMap((ref) => (ref.file ? [[ref.file, images.get(ref.file)?.fallback.map((v) => v.file)]] : []));
    if (used.length > 0) result.set(issue.file, createHash("sha256").update(`${fingerprints.get(issue.file) ?? ""}\0${JSON.stringify(used)}`).digest("hex"));
  }
  return result;
}

/** One inspection per distinct local file. */
async function inspectAll(root: string, issues: Issue[], limits: ImageLimits, cache?: ImageCache): Promise<Map<string, Inspection>> {
  const inspections = new Map<string, Inspection>();
  for (const issue of issues) {
    for (const ref of issue.images) {
      if (!ref.file || inspections.has(ref.file)) continue;
      const absPath = path.join(root, ref.file);
      let inspection = cache?.inspection(absPath, ref.file, limits);
      if (!inspection) {
        inspection = await inspectImage(absPath, limits);
        cache?.recordInspection(absPath, ref.file, limits, inspection);
      }
      inspections.set(ref.file, inspection);
    }
  }
  return inspections;
}

let settings: string | undefined;
/** How variants are made: a change to any of it makes them again. */
async function settingsKey(): Promise<string> {
  if (settings) return settings;
  const sharp = await loadSharp();
  settings = JSON.stringify([VARIANTS_VERSION, sharp.versions]);
  return settings;
}

function cacheKey(bytes: Buffer, settingsText: string): string {
  return ImageCache.keyOfBytes(bytes, settingsText);
}

async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

