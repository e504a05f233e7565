// gazette preview's rebuild thread: watches content/ and emails/ and
// rebuilds (watch.ts), off the thread that serves the preview, so the
// server answers the page's reload while the rest of a rebuild goes on.
// The emails of the previewed issue are posted as soon as a rebuild has
// made them, before its pages, feeds and search index; the rebuild goes on
// when the thread that serves says so (once the pages watching the email
// show the new copy), then posts the outcome.
import { parentPort, workerData } from "node:worker_threads";
import { describeError } from "../cli/describe-error.ts";
import { watchAndRebuild } from "./watch.ts";
import type { FromWatchThread, ToWatchThread, WatchThreadSpec } from "./watch.ts";
import { distFileText } from "./write-dist.ts";

const spec = (workerData as { spec: WatchThreadSpec }).spec;
const post = (message: FromWatchThread) => parentPort!.postMessage(message);
/** Past this, a rebuild goes on without being told to (the serving thread says so well before). */
const RESUME_WITHIN_MS = 3000;
let resume: (() => void) | undefined;
const wanted = new Set(spec.emails.flatMap((n) => ["json", "html", "txt"].map((ext) => `emails/${n}.${ext}`)));

// The first build warms this thread; it is reported only if it changed something or failed.
let first = true;
const stop = watchAndRebuild(
  {
    root: spec.root,
    outDir: spec.outDir,
    initial: true,
    emailsFirst: spec.emails.map(Number),
    onEmails: (files) => {
      const early: Array<[string, string]> = [];
      for (const [file, body] of files) {
        if (!wanted.has(file)) continue;
        early.push([file, distFileText(body)]);
      }
      post({ type: "emails", files: early });
      return new Promise<void>((resolve) => {
        const timer = setTimeout(go, RESUME_WITHIN_MS);
        function go() {
          clearTimeout(timer);
          resume = undefined;
          resolve();
        }
        resume = go;
      });
    },
  },
  ({ result, error }) => {
    const warmUp = first && result?.written.length === 0;
    first = false;
    if (!warmUp) post(result ? { type: "built", written: result.written.length } : { type: "failed", error: describeError(error) });
  },
);

parentPort!.on("message", (message: ToWatchThread) => {
  if (message === "resume") return resume?.();
  if (message !== "stop") return;
  resume?.();
  stop();
  parentPort!.close();
});
post({ type: "ready" });
