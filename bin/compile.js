#!/usr/bin/env node
// Compiles src/ to JavaScript under node_modules/.cache/gazette-lib/ so that
// bin/gazette.js starts in a tenth of the time tsx needs (npm's prepare step
// runs this after npm ci / npm install). Records the newest source mtime it
// compiled; bin/gazette.js falls back to tsx whenever src/ is newer.
//
// Bundled by esbuild: Gazette's 200 modules become a few files, split where
// the sources import on demand (so `gazette build` never loads the server's
// or the sender's packages), with zod folded in (95 small modules of its
// own). Node loads and links one module at a time, and at about a
// millisecond each, a build started 80-140 ms sooner here than from one
// file per source. The other packages stay in node_modules, as installed.
// Type checking is `npm run typecheck`'s job, not this one's.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LIB, newestSourceMtime } from "./source-stamp.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const INLINE = new Set(["zod"]);
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !INLINE.has(name));

const stamp = newestSourceMtime();
const out = fileURLToPath(LIB);
try {
  const { build } = await import("esbuild");
  rmSync(out, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    // The CLI, and the two modules that worker threads start by URL, found beside the code that starts them.
    entryPoints: ["src/cli/main.ts", "src/build/watch-thread.ts", "src/send/confirmation-worker.ts"],
    entryNames: "[name]",
    chunkNames: "[name]-[hash]",
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: [...external, ...external.map((name) => `${name}/*`)],
    sourcemap: true,
    logLevel: "warning",
  });
} catch (err) {
  console.error(`gazette: compiling src/ failed (${err?.message ?? err}); bin/gazette.js will run the sources through tsx instead.`);
  process.exit(0);
}
writeFileSync(new URL("./.source-stamp", LIB), String(stamp));
