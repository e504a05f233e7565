// A worker thread that makes one search shard with Pagefind: plain
// JavaScript, so it runs without a TypeScript loader. Each worker drives a
// Pagefind backend of its own (the Node API keeps one per thread), so
// shards are indexed on every core at once.
// Messages: { id, language, dir, keep (a RegExp source), documents: [{ url, html }] } in,
// { id, count } or { id, error } out; { id, close: true } in, { id, closed: true } out.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parentPort } from "node:worker_threads";

const pagefind = await import("pagefind");
let queue = Promise.resolve();

parentPort.on("message", (job) => {
  if (job.close) {
    // Ends the backend process before the thread goes.
    // close() kills the backend without waiting; a moment on this thread's
    // loop lets it reap the process, which would otherwise stay a zombie.
    const closed = () => setTimeout(() => parentPort.postMessage({ id: job.id, closed: true }), 50);
    queue = queue.then(() => pagefind.close()).then(closed, closed);
    return;
  }
  queue = queue.then(() => makeShard(job).then(
    () => parentPort.postMessage({ id: job.id, count: job.documents.length }),
    (err) => parentPort.postMessage({ id: job.id, error: String(err?.message ?? err) }),
  ));
});

async function makeShard({ language, dir, keep, documents }) {
  const created = await pagefind.createIndex({ forceLanguage: language, writePlayground: false });
  if (!created.index) throw new Error(`Pagefind could not start: ${created.errors.join("; ")}`);
  try {
    // All in flight at once: the backend reads them while it works.
    const added = await Promise.all(documents.map((doc) => created.index.addHTMLFile({ url: doc.url, content: doc.html })));
    for (const [i, result] of added.entries()) {
      if (result.errors.length > 0) throw new Error(`Pagefind could not index ${documents[i].url}: ${result.errors.join("; ")}`);
    }
    const { files, errors } = await created.index.getFiles();
    if (errors.length > 0) throw new Error(`Pagefind could not write its index: ${errors.join("; ")}`);
    // Written beside the final folder, then renamed: a crash never leaves half a shard under its key.
    const tmp = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const kept = new RegExp(keep);
    const dirs = new Set();
    try {
      for (const file of files) {
        const name = file.path.replace(/^\/+/, "");
        if (!kept.test(name)) continue;
        const folder = path.dirname(path.join(tmp, name));
        if (!dirs.has(folder)) {
          await mkdir(folder, { recursive: true });
          dirs.add(folder);
        }
        await writeFile(path.join(tmp, name), file.content);
      }
      await writeFile(path.join(tmp, ".complete"), "");
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  } finally {
    await created.index.deleteIndex();
  }
}
