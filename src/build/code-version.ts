import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { packagePath } from "../paths.ts";

const SRC = packagePath("src");

let memo: Promise<string> | undefined;

/**
 * A hash of Gazette's own sources and of mjml's version. Every cache key
 * includes it, so a change to the code that parses or renders can never
 * serve output made by the old code.
 */
export function codeVersion(): Promise<string> {
  memo ??= (async () => {
    const hash = createHash("sha256");
    hash.update((createRequire(import.meta.url)("mjml/package.json") as { version: string }).version);
    for (const file of await listFiles(SRC)) hash.update(`\0${file}\0`).update(await readFile(path.join(SRC, file)));
    return hash.digest("hex");
  })();
  return memo;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}
