import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { packagePath } from "../paths.ts";
import type { SearchDocument } from "../render/search-documents.ts";
import type { DistFile } from "./write-dist.ts";

/** What the search page loads from dist/pagefind/; Pagefind's ready-made UIs and playground are left out. */
const KEEP = /^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|wasm\.[^/]+\.pagefind|fragment\/[^/]+|index\/[^/]+|filter\/[^/]+)$/;

export interface SearchIndexResult {
  /** dist/pagefind/… → file in the cache, hard-linked. */
  files: Map<string, DistFile>;
  /** Whether Pagefind ran (false: the index came from the cache). */
  indexed: boolean;
  documents: number;
}

/**
 * The search index of every published paper, as dist/pagefind/. Pagefind
 * (its extended binary, which segments Chinese) runs only when a document
 * changed: the index is kept in <cacheDir>/search/<hash of the documents
 * and Pagefind's version>/ and linked into dist/ like every cached output.
 * One index for every language (forceLanguage), so a query in either finds both.
 */
export async function buildSearchIndex(documents: SearchDocument[], language: string, cacheDir: string, codeVersion: string): Promise<SearchIndexResult> {
  const hash = createHash("sha256").update(codeVersion).update(await pagefindVersion()).update(language);
  for (const doc of documents) hash.update(`${doc.url.length}:${doc.url}${doc.html.length}:`).update(doc.html);
  const key = hash.digest("hex");
  const dir = path.join(cacheDir, "search", key);
  let indexed = false;
  let names = await listed(dir);
  if (!names) {
    await writeIndex(documents, language, dir);
    indexed = true;
    names = (await listed(dir))!;
  }
  await prune(path.join(cacheDir, "search"), key);
  const files = new Map<string, DistFile>(names.map((name) => [`pagefind/${name}`, { linkFrom: path.join(dir, name) }]));
  return { files, indexed, documents: documents.length };
}

// Pagefind's Node API drives one backend process per Node process, and
// close() ends it for every caller: builds in one process (tests, the
// preview's rebuilds) take turns.
let turn: Promise<unknown> = Promise.resolve();

function writeIndex(documents: SearchDocument[], language: string, dir: string): Promise<void> {
  const mine = turn.then(() => writeIndexNow(documents, language, dir));
  turn = mine.catch(() => {});
  return mine;
}

async function writeIndexNow(documents: SearchDocument[], language: string, dir: string): Promise<void> {
  const pagefind = await import("pagefind");
  try {
    const created = await pagefind.createIndex({ forceLanguage: language.split("-")[0]!.toLowerCase(), writePlayground: false });
    if (!created.index) throw new Error(`Pagefind could not start: ${created.errors.join("; ")}`);
    for (const doc of documents) {
      const added = await created.index.addHTMLFile({ url: doc.url, content: doc.html });
      if (added.errors.length > 0) throw new Error(`Pagefind could not index ${doc.url}: ${added.errors.join("; ")}`);
    }
    const { files, errors } = await created.index.getFiles();
    if (errors.length > 0) throw new Error(`Pagefind could not write its index: ${errors.join("; ")}`);
    // Written beside the final folder, then renamed: a crash never leaves half an index under the key.
    const tmp = `${dir}.${process.pid}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    for (const file of files) {
      const name = file.path.replace(/^\/+/, "");
      if (!KEEP.test(name)) continue;
      await mkdir(path.dirname(path.join(tmp, name)), { recursive: true });
      await writeFile(path.join(tmp, name), file.content);
    }
    await writeFile(path.join(tmp, ".complete"), "");
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await pagefind.close();
  }
}

/** The index's files, or undefined unless it was written whole. */
async function listed(dir: string): Promise<string[] | undefined> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (!entries || !entries.some((e) => e.name === ".complete")) return undefined;
  return entries
    .filter((e) => e.isFile() && e.name !== ".complete")
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

/** Keeps only the current index. */
async function prune(searchDir: string, keep: string): Promise<void> {
  const names = await readdir(searchDir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n !== keep && !n.endsWith(".tmp")).map((n) => rm(path.join(searchDir, n), { recursive: true, force: true })));
}

let version: Promise<string> | undefined;
function pagefindVersion(): Promise<string> {
  version ??= readFile(packagePath("node_modules/pagefind/package.json"), "utf8").then((t) => (JSON.parse(t) as { version: string }).version, () => "unknown");
  return version;
}
