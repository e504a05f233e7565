import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { packagePath } from "../paths.ts";
import { collapseWhitespace, mjmlFailure, MJML_OPTIONS } from "../render/email/compile.ts";

export interface CompileJob {
  mjml: string;
  /** Template file named in errors. */
  template: string;
}

type Reply = { id: number; html?: string; error?: { message: string; errors?: unknown[] } };

/**
 * Worker threads that compile MJML (one per core, at most four). `warm()`
 * starts the first one at once: importing mjml takes about half a second,
 * which the worker spends while the main thread loads content and renders
 * pages, so a rebuild that compiles one email hardly waits for it.
 */
export class MjmlPool {
  private readonly workers: Worker[] = [];
  private nextId = 0;

  constructor(private readonly max = Math.min(4, Math.max(1, availableParallelism()))) {}

  warm(): this {
    if (this.workers.length === 0) this.workers.push(this.spawn());
    return this;
  }

  /** Whether a worker has been started (mjml imported or importing). */
  get started(): boolean {
    return this.workers.length > 0;
  }

  /** Compiles the documents, results in order, their indentation collapsed (see collapseWhitespace). */
  async compile(jobs: CompileJob[]): Promise<string[]> {
    return (await this.compileRaw(jobs)).map(collapseWhitespace);
  }

  /** Compiles the documents, results in order, exactly as mjml wrote them. */
  async compileRaw(jobs: CompileJob[]): Promise<string[]> {
    if (jobs.length === 0) return [];
    while (this.workers.length < Math.min(this.max, jobs.length)) this.workers.push(this.spawn());
    const results = new Array<string>(jobs.length);
    let next = 0;
    await Promise.all(
      this.workers.map(async (worker) => {
        while (next < jobs.length) {
          const index = next++;
          results[index] = await this.runOne(worker, jobs[index]!);
        }
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(packagePath("src/build/mjml-worker.js"));
    worker.unref();
    return worker;
  }

  private runOne(worker: Worker, job: CompileJob): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (msg: Reply) => {
        if (msg.id !== id) return;
        cleanup();
        if (msg.error) reject(mjmlFailure(Object.assign(new Error(msg.error.message), { errors: msg.error.errors }), job.mjml, job.template));
        else resolve(msg.html!);
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
}
