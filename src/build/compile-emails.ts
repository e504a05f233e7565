import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { collapseWhitespace, compileMjml, mjmlFailure, MJML_OPTIONS } from "../render/email/compile.ts";

export interface CompileJob {
  mjml: string;
  /** Template file named in errors. */
  template: string;
}

/** Below this many documents, starting workers costs more than it saves. */
const POOL_THRESHOLD = 6;

/**
 * Compiles MJML documents to HTML, in order. Many documents go to a pool of
 * worker threads (one per core, at most four); a few are compiled here.
 */
export async function compileEmails(jobs: CompileJob[]): Promise<string[]> {
  if (jobs.length < POOL_THRESHOLD) {
    const out: string[] = [];
    for (const job of jobs) out.push(await compileMjml(job.mjml, job.template));
    return out;
  }
  const size = Math.min(4, Math.max(1, availableParallelism()), jobs.length);
  const workers = Array.from({ length: size }, () => new Worker(new URL("./mjml-worker.js", import.meta.url)));
  const results = new Array<string>(jobs.length);
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (next < jobs.length) {
          const index = next++;
          results[index] = await runOne(worker, index, jobs[index]!);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

function runOne(worker: Worker, id: number, job: CompileJob): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { id: number; html?: string; error?: { message: string; errors?: unknown[] } }) => {
      if (msg.id !== id) return;
      cleanup();
      if (msg.error) reject(mjmlFailure(Object.assign(new Error(msg.error.message), { errors: msg.error.errors }), job.mjml, job.template));
      else resolve(collapseWhitespace(msg.html!));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.postMessage({ id, mjml: job.mjml, options: { ...MJML_OPTIONS } });
  });
}
