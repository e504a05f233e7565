// gazette preview's rebuild thread: watches content/ and emails/ and
// rebuilds (watch.ts), off the thread that serves the preview, so the
// server answers the page's reload while the rest of a rebuild goes on.
// The emails of the previewed issue are posted as soon as a rebuild has
// made them, before its pages, feeds and search index; then the outcome.
import { parentPort, workerData } from "node:worker_threads";
import { describeError } from "../cli/describe-error.ts";
import { watchAndRebuild } from "./watch.ts";
import type { FromWatchThread, WatchThreadSpec } from "./watch.ts";
import { distFileText } from "./write-dist.ts";

const spec = (workerData as { spec: WatchThreadSpec }).spec;
const post = (message: FromWatchThread) => parentPort!.postMessage(message);
const wanted = new Set(spec.emails.flatMap((n) => ["json", "html", "txt"].map((ext) => `emails/${n}.${ext}`)));

// The first build warms this thread; it is reported only if it changed something or failed.
let first = true;
const stop = watchAndRebuild(
  {
    root: spec.root,
    outDir: spec.outDir,
    initial: true,
    onEmails: (files) => {
      const early: Array<[string, string]> = [];
      for (const [file, body] of files) {
        if (!wanted.has(file)) continue;
        early.push([file, distFileText(body)]);
      }
      post({ type: "emails", files: early });
    },
  },
  ({ result, error }) => {
    const warmUp = first && result?.written.length === 0;
    first = false;
    if (!warmUp) post(result ? { type: "built", written: result.written.length } : { type: "failed", error: describeError(error) });
  },
);

parentPort!.on("message", (message: "stop") => {
  if (message !== "stop") return;
  stop();
  parentPort!.close();
});
post({ type: "ready" });
