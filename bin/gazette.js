#!/usr/bin/env node
// Runs the compiled CLI when it is as new as src/ (npm's prepare step builds
// it), else the TypeScript sources through tsx: one source of truth either way.
import { readFileSync } from "node:fs";
import { LIB, newestSourceMtime } from "./source-stamp.js";

function compiledIsCurrent() {
  try {
    return Number(readFileSync(new URL("./.source-stamp", LIB), "utf8")) >= newestSourceMtime();
  } catch {
    return false;
  }
}

let main;
if (compiledIsCurrent()) {
  main = await import(new URL("./main.js", LIB).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  main = await import("../src/cli/main.ts");
}
process.exitCode = await main.run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
