import { benchBuild, formatRuns } from "./build.ts";

// npm run bench: prints figures; asserts nothing. Goals are in the README.
console.log(`gazette benchmarks (node ${process.version}, ${(await import("node:os")).availableParallelism()} cores)\n`);
console.log("build:");
console.log(formatRuns(await benchBuild()));
