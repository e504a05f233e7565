import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { packagePath } from "../paths.ts";

let memo: Promise<string> | undefined;

/** The packages whose version shapes what is parsed or written: an update to any of them must not serve old output. */
export const OUTPUT_DEPENDENCIES = ["mjml", "markdown-it", "handlebars", "yaml", "zod", "saxes"];

/**
 * A hash of Gazette's own sources and of the versions of the packages that
 * parse and render. Every cache key includes it, so a change to the code
 * that parses or renders, or an npm update, can never serve output made by
 * the old code.
 */
export function codeVersion(): Promise<string> {
  memo ??= readCodeVersion(packagePath());
  return memo;
}

/**
 * codeVersion() of the package installed at `packageRoot`, read afresh.
 * Read synchronously: 200 small files, each a round trip to the thread
 * pool when read by promise, took 70-85 ms of every build's start here;
 * read in turn, about 10.
 */
export async function readCodeVersion(packageRoot: string): Promise<string> {
  const src = path.join(packageRoot, "src");
  const hash = createHash("sha256");
  for (const name of OUTPUT_DEPENDENCIES) hash.update(`${name}@${installedVersion(packageRoot, name)}\0`);
  for (const file of listFiles(src)) hash.update(`\0${file}\0`).update(readFileSync(path.join(src, file)));
  return hash.digest("hex");
}

/** The version npm installed (read from its package.json: some packages do not export that path). */
function installedVersion(packageRoot: string, name: string): string {
  let text = "{}";
  try {
    text = readFileSync(path.join(packageRoot, "node_modules", name, "package.json"), "utf8");
  } catch {
    // not installed: "unknown"
  }
  return (JSON.parse(text) as { version?: string }).version ?? "unknown";
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}
