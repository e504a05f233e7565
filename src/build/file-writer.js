// The thread FileWriter (file-writer.ts) hands a build's file writes to:
// plain JavaScript, so it runs without a TypeScript loader. Operations run
// in the order sent; after one fails the rest are skipped until the next
// flush, which reports it. Messages in: { op: "write", file, body, tmp? }
// (with tmp: written there, then renamed, so the file is there whole or
// not at all), { op: "mkdir", dir }, { op: "replaceDir", from, to } (to
// removed, from renamed to it), { flush: n }; out: { flushed: n, error? },
// and { wrote: length } after each write (the writer's backlog, see room()).
import { parentPort } from "node:worker_threads";
import { run } from "./file-ops.js";

let failed;
parentPort.on("message", (msg) => {
  if (msg.flush !== undefined) {
    parentPort.postMessage({ flushed: msg.flush, error: failed });
    failed = undefined;
    return;
  }
  try {
    if (!failed) run(msg);
  } catch (err) {
    failed = { message: String(err?.message ?? err), code: err?.code, path: msg.file ?? msg.dir ?? msg.to };
  }
  if (msg.body) parentPort.postMessage({ wrote: msg.body.length });
});
