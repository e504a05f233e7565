#!/usr/bin/env node
// Compiles src/ to JavaScript under node_modules/.cache/gazette-lib/ so that
// bin/gazette.js starts in a tenth of the time tsx needs (npm's prepare step
// runs this after npm ci / npm install). Records the newest source mtime it
// compiled; bin/gazette.js falls back to tsx whenever src/ is newer.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { LIB, newestSourceMtime } from "./source-stamp.js";

const stamp = newestSourceMtime();
const tsc = new URL("../node_modules/typescript/bin/tsc", import.meta.url).pathname;
const result = spawnSync(process.execPath, [tsc, "-p", new URL("../tsconfig.build.json", import.meta.url).pathname], { stdio: "inherit" });
if (result.status !== 0) {
  console.error("gazette: compiling src/ failed; bin/gazette.js will run the sources through tsx instead.");
  process.exit(0);
}
writeFileSync(new URL("./.source-stamp", LIB), String(stamp));
