import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Newsletter } from "../model/newsletter.ts";
import { renderIssueSearchDocuments, searchInputsKey } from "../render/search-documents.ts";
import type { PlannedIssue } from "../render/site.ts";
import type { FileWriter } from "./file-writer.ts";
import type { HeapGrowth } from "./heap-growth.ts";
import { shardFiles } from "./search-shard.ts";
import { OutputCache } from "./output-cache.ts";
import type { DistFile } from "./write-dist.ts";

/** Issues in a full shard: a power of two, so the shards below it halve down to one. */
export const SHARD_ISSUES = 128;

/** Issues to index from which a build counts as indexing in bulk (see heap-growth.ts). */
const BULK_ISSUES = 256;

/** Where the index goes in dist/. */
export const INDEX_DIR = "search-index";

/** dist/search-index/shards.json: the shards' folders, oldest first; the search page searches them all. */
export const SHARDS_FILE = `${INDEX_DIR}/shards.json`;

export interface SearchIndexResult {
  /** dist/search-index/… → file in the cache, hard-linked; and shards.json. */
  files: Map<string, DistFile>;
  /** Shards of the index, and how many of them were made afresh (the rest came from the cache). */
  shards: number;
  shardsIndexed: number;
  /** Papers indexed afresh by this build. */
  documentsIndexed: number;
}

/**
 * The shards of the archive, as [start, end) positions in the published
 * issues, oldest first: full shards of `cap` issues, then the rest in
 * halving sizes (104 = 64 + 32 + 8). Shards start at fixed positions, so a
 * new issue re-forms only the small shards at the newest end (amortised,
 * a couple of issues' worth), an edit re-indexes the issues of one shard,
 * and the newest issue, the one an editor is still correcting, usually
 * sits in a small one. Pure.
 */
export function shardRanges(count: number, cap = SHARD_ISSUES): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (; count - start >= cap; start += cap) ranges.push([start, start + cap]);
  for (let size = cap / 2; size >= 1; size /= 2) {
    if (count - start >= size) {
      ranges.push([start, start + size]);
      start += size;
    }
  }
  return ranges;
}

interface Shard {
  key: string;
  dir: string;
  issues: PlannedIssue[];
}

/**
 * The search index of every published paper, in shards under
 * dist/search-index/<shard>/ (see shardRanges; shard-files.ts says what a
 * shard holds). A shard is made only when its issues changed: each is kept
 * in <cacheDir>/search/<key>/, the key hashing its issues' fingerprints,
 * what of the newsletter the documents show and Gazette's own code (the
 * terms module among it), and linked into dist/ like every cached output;
 * a shard's documents are not even rendered unless it is made. Chinese and
 * English share one index, cut into terms by search-terms.js, which the
 * search page runs on the query.
 */
export async function buildSearchIndex(
  newsletter: Newsletter,
  planned: PlannedIssue[],
  cacheDir: string,
  codeVersion: string,
  writer: FileWriter,
  heap?: HeapGrowth,
): Promise<SearchIndexResult> {
  const published = planned.filter((p) => !p.summary.draft).sort((a, b) => a.issue.number - b.issue.number);
  const shared = OutputCache.keyOf([codeVersion, searchInputsKey(newsletter), "search shard"]);
  const searchDir = path.join(cacheDir, "search");
  const shards: Shard[] = shardRanges(published.length).map(([start, end]) => {
    const issues = published.slice(start, end);
    const key = OutputCache.keyOf([shared, ...issues.map((p) => `${p.issue.number}:${p.fingerprint}`)]);
    return { key, dir: path.join(searchDir, key), issues };
  });
  const listings = await Promise.all(shards.map((s) => listed(s.dir)));
  // Indexing in bulk (a cold cache, or new code) makes garbage in bulk: the heap grows by less (heap-growth.ts).
  if (shards.reduce((sum, s, i) => sum + (listings[i] ? 0 : s.issues.length), 0) >= BULK_ISSUES) heap?.cap();
  let documentsIndexed = 0;
  const writing: string[] = [];
  for (const [i, shard] of shards.entries()) {
    if (listings[i]) continue;
    await writer.room();
    const issues = shard.issues.map((p) => ({ number: p.issue.number, documents: renderIssueSearchDocuments(p, newsletter) }));
    const made = await shardFiles(issues);
    writing.push(writeShard(writer, shard.dir, made.files));
    listings[i] = [...made.files.keys()].sort();
    documentsIndexed += made.documents;
  }
  try {
    // The shards were written on the writer's thread while the next were made (each renamed into place once whole).
    await writer.flush();
  } catch (err) {
    // A shard not written whole leaves no folder behind, where one could be made at all.
    await Promise.all(writing.map((tmp) => rm(tmp, { recursive: true, force: true }).catch(() => undefined)));
    throw err;
  }
  await prune(searchDir, new Set(shards.map((s) => s.key)));
  const files = new Map<string, DistFile>();
  const folders: string[] = [];
  for (const [i, shard] of shards.entries()) {
    const folder = shardFolder(shard.key);
    folders.push(`${folder}/`);
    for (const name of listings[i]!) files.set(`${INDEX_DIR}/${folder}/${name}`, { linkFrom: path.join(shard.dir, name) });
  }
  files.set(SHARDS_FILE, `${JSON.stringify(folders)}\n`);
  return { files, shards: shards.length, shardsIndexed: writing.length, documentsIndexed };
}

/** A shard's folder in dist/search-index/: named by its key, so a browser never mixes a cached old shard with a new one. */
function shardFolder(key: string): string {
  return key.slice(0, 16);
}

/**
 * Has the writer write a shard's files into a folder beside its place in
 * the cache, then rename it there: a crash never leaves half a shard under
 * its key. The folder it writes into.
 */
function writeShard(writer: FileWriter, dir: string, files: Map<string, string>): string {
  const tmp = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writer.do({ op: "mkdir", dir: tmp });
  for (const [name, body] of files) writer.write(path.join(tmp, name), body);
  writer.write(path.join(tmp, ".complete"), "");
  writer.do({ op: "replaceDir", from: tmp, to: dir });
  return tmp;
}

/** The shard's files, or undefined unless it was written whole. */
async function listed(dir: string): Promise<string[] | undefined> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (!entries || !entries.some((e) => e.name === ".complete")) return undefined;
  return entries
    .filter((e) => e.isFile() && e.name !== ".complete")
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

/** Keeps only the current shards (and folders another build is writing). */
async function prune(searchDir: string, keep: Set<string>): Promise<void> {
  const names = await readdir(searchDir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => !keep.has(n) && !n.endsWith(".tmp")).map((n) => rm(path.join(searchDir, n), { recursive: true, force: true })));
}
