import { readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import path from "node:path";
import type { Newsletter } from "../model/newsletter.ts";
import { packagePath } from "../paths.ts";
import { renderIssueSearchDocuments, searchInputsKey, type SearchDocument } from "../render/search-documents.ts";
import type { PlannedIssue } from "../render/site.ts";
import type { SiteView } from "../render/web/archive.ts";
import { OutputCache } from "./output-cache.ts";
import type { DistFile } from "./write-dist.ts";

/** What the search page loads from a shard's folder; Pagefind's ready-made UIs and playground are left out. */
const KEEP = /^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|wasm\.[^/]+\.pagefind|fragment\/[^/]+|index\/[^/]+|filter\/[^/]+)$/;

/** Issues in a full shard: a power of two, so the shards below it halve down to one. */
export const SHARD_ISSUES = 128;

/** dist/pagefind/shards.json: the shards' folders, oldest first; the search page loads the first and merges the rest. */
export const SHARDS_FILE = "pagefind/shards.json";

export interface SearchIndexResult {
  /** dist/pagefind/… → file in the cache, hard-linked; and shards.json. */
  files: Map<string, DistFile>;
  /** Shards of the index, and how many of them Pagefind made afresh (the rest came from the cache). */
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
 * The search index of every published paper, as Pagefind shards under
 * dist/pagefind/<shard>/ (see shardRanges). Pagefind (its extended binary,
 * which segments Chinese) runs only for a shard whose issues changed: each
 * is kept in <cacheDir>/search/<key>/, the key hashing its issues'
 * fingerprints, what of the newsletter the documents show and Pagefind's
 * version, and linked into dist/ like every cached output; a shard's
 * documents are not even rendered unless it is made. One index for every
 * language (forceLanguage), so a query in either finds both.
 */
export async function buildSearchIndex(
  newsletter: Newsletter,
  site: SiteView,
  planned: PlannedIssue[],
  cacheDir: string,
  codeVersion: string,
  pool?: SearchPool,
): Promise<SearchIndexResult> {
  const language = newsletter.language;
  const published = planned.filter((p) => !p.summary.draft).sort((a, b) => a.issue.number - b.issue.number);
  const shared = OutputCache.keyOf([codeVersion, await pagefindVersion(), searchInputsKey(newsletter), "search shard"]);
  const searchDir = path.join(cacheDir, "search");
  const shards: Shard[] = shardRanges(published.length).map(([start, end]) => {
    const issues = published.slice(start, end);
    const key = OutputCache.keyOf([shared, ...issues.map((p) => `${p.issue.number}:${p.fingerprint}`)]);
    return { key, dir: path.join(searchDir, key), issues };
  });
  const listings = await Promise.all(shards.map((s) => listed(s.dir)));
  const missing = shards.filter((_, i) => !listings[i]);
  let documentsIndexed = 0;
  if (missing.length > 0) {
    const workers = pool ?? new SearchPool();
    try {
      documentsIndexed = await workers.index(
        missing.map((s) => ({ dir: s.dir, documents: () => s.issues.flatMap((p) => renderIssueSearchDocuments(site, p)) })),
        language,
      );
    } finally {
      if (!pool) await workers.close();
    }
  }
  await prune(searchDir, new Set(shards.map((s) => s.key)));
  const files = new Map<string, DistFile>();
  const folders: string[] = [];
  for (const [i, shard] of shards.entries()) {
    const folder = shardFolder(shard.key);
    folders.push(`${folder}/`);
    for (const name of listings[i] ?? (await listed(shard.dir))!) files.set(`pagefind/${folder}/${name}`, { linkFrom: path.join(shard.dir, name) });
  }
  files.set(SHARDS_FILE, `${JSON.stringify(folders)}\n`);
  return { files, shards: shards.length, shardsIndexed: missing.length, documentsIndexed };
}

/** A shard's folder in dist/pagefind/: named by its key, so a browser never mixes a cached old shard with a new one. */
function shardFolder(key: string): string {
  return key.slice(0, 16);
}

interface ShardJob {
  dir: string;
  documents: () => SearchDocument[];
}

/**
 * Worker threads that make search shards, each driving a Pagefind backend
 * of its own (the Node API keeps one per thread), one per core: a build
 * starts them when a shard needs making and closes them after; gazette
 * preview keeps one warm for the session, so a rebuild does not wait for
 * a thread, Pagefind's import and its backend to start.
 */
export class SearchPool {
  private readonly workers: Worker[] = [];

  constructor(private readonly max = Math.max(1, availableParallelism())) {}

  /** Starts one worker now (its thread and Pagefind's import), before a shard needs it. */
  warm(): this {
    if (this.workers.length === 0) this.workers.push(this.spawn());
    return this;
  }

  private spawn(): Worker {
    return new Worker(packagePath("src/build/search-worker.js"));
  }

  /** Makes the shards, a shard's documents rendered only when a worker is ready for it; the papers indexed. */
  async index(jobs: ShardJob[], language: string): Promise<number> {
    while (this.workers.length < Math.min(this.max, jobs.length)) this.workers.push(this.spawn());
    const forceLanguage = language.split("-")[0]!.toLowerCase();
    let next = 0;
    let count = 0;
    await Promise.all(
      this.workers.slice(0, jobs.length).map(async (worker, w) => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          const indexed = await shardOn(worker, { id: w, language: forceLanguage, dir: job.dir, keep: KEEP.source, documents: job.documents() });
          count += indexed;
        }
      }),
    );
    return count;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => closeWorker(worker)));
  }
}

function shardOn(worker: Worker, job: { id: number; language: string; dir: string; keep: string; documents: SearchDocument[] }): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = (settle: () => void) => {
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      settle();
    };
    const onMessage = (msg: { id: number; count?: number; error?: string }) => {
      if (msg.id === job.id) done(() => (msg.error === undefined ? resolve(msg.count!) : reject(new Error(msg.error))));
    };
    const onError = (err: Error) => done(() => reject(err));
    const onExit = (code: number) => done(() => reject(new Error(`the search indexing worker stopped (exit ${code})`)));
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    worker.postMessage(job);
  });
}

/** Asks the worker to end its Pagefind backend (a second at most), then ends the thread. */
async function closeWorker(worker: Worker): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    const onMessage = (msg: { closed?: boolean }) => {
      if (!msg.closed) return;
      clearTimeout(timer);
      worker.off("message", onMessage);
      resolve();
    };
    worker.on("message", onMessage).once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ id: -1, close: true });
  });
  await worker.terminate();
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

let version: Promise<string> | undefined;
function pagefindVersion(): Promise<string> {
  version ??= readFile(packagePath("node_modules/pagefind/package.json"), "utf8").then((t) => (JSON.parse(t) as { version: string }).version, () => "unknown");
  return version;
}
