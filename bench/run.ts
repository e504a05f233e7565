import { availableParallelism } from "node:os";
import { benchBigInput, formatBigInputRuns } from "./big-input.ts";
import { benchBuild, formatRows } from "./build.ts";
import { benchFeedback, formatFeedback } from "./feedback.ts";
import { benchImages, formatImageRuns } from "./images.ts";
import { benchPersonalise, benchSend, formatSendRuns } from "./send.ts";
import { benchServe, formatServeRuns } from "./serve.ts";
import { benchWorkers, formatWorkersRuns } from "./workers.ts";

// npm run bench: prints figures; asserts nothing. Goals are in the README.
// BENCH_ONLY=build|images|send|workers|serve|feedback runs one part; BENCH_WORKERS_RECIPIENTS sets the workers' send size; BENCH_ROUNDS (3) and BENCH_ISSUES (1000) shape the build part, BENCH_VERIFY=0 skips its email check, BENCH_PREVIEW=0 its preview timing; BENCH_SEND_COUNTS="10000,100000" sets the send sizes;
// BENCH_SERVE_SECONDS and BENCH_SERVE_CONNECTIONS shape the server load; BENCH_ONLY=big-input (not run by default) measures peak memory on a
// 50 MB CSV import and a 20 MB issue (BENCH_CSV_ROWS, BENCH_ISSUE_MB).
const only = process.env.BENCH_ONLY;
console.log(`gazette benchmarks (node ${process.version}, ${availableParallelism()} cores)\n`);
if (!only || only === "build") {
  console.log("build:");
  console.log(formatRows(await benchBuild((line) => console.log(line))));
}
if (!only || only === "images") {
  console.log("\nimages (figures in the build):");
  console.log(formatImageRuns(await benchImages((line) => console.log(line))));
}
if (!only || only === "send") {
  const counts = (process.env.BENCH_SEND_COUNTS ?? "10000,100000").split(",").map(Number);
  console.log(`\nsend: personalising one message takes ${(await benchPersonalise()).toFixed(1)} µs (issue 36, 20,000 after warm-up)`);
  console.log("send (into Postfix smtp-sink on 127.0.0.1):");
  console.log(formatSendRuns(await benchSend(counts)));
}
if (!only || only === "workers") {
  const recipients = Number(process.env.BENCH_WORKERS_RECIPIENTS ?? 10000);
  console.log(`\nsend workers (issue 36 to ${recipients.toLocaleString("en")} into smtp-sink; PostgreSQL in a throwaway cluster with fsync on):`);
  console.log(formatWorkersRuns(await benchWorkers(recipients, [1, 2, 4])));
}
if (!only || only === "serve") {
  console.log(`\nserve (gazette serve on 127.0.0.1, autocannon with ${process.env.BENCH_SERVE_CONNECTIONS ?? 32} connections, ${process.env.BENCH_SERVE_SECONDS ?? 5} s per route):`);
  console.log(formatServeRuns(await benchServe()));
}
if (!only || only === "feedback") {
  console.log("\nfeedback (webhook intake and inbound DSNs into a child process's server, SQLite):");
  console.log(formatFeedback(await benchFeedback()));
}
if (only === "big-input") {
  console.log("big input (one CLI process each, peak resident memory from GNU time):");
  console.log(formatBigInputRuns(await benchBigInput()));
}
