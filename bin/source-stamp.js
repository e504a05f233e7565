// Shared by bin/gazette.js and bin/compile.js: where the compiled code lives
// and how new the TypeScript sources are.
import { readdirSync, statSync } from "node:fs";

export const LIB = new URL("../node_modules/.cache/gazette-lib/", import.meta.url);
const SRC = new URL("../src/", import.meta.url);

/** Newest mtime (ms) of the .ts files under src/ (about 60 stat calls). */
export function newestSourceMtime(dir = SRC) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(url));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(url).mtimeMs);
  }
  return newest;
}
