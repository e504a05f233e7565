import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { packagePath } from "../paths.ts";

/** One file operation (file-ops.js runs them). */
export type FileOp =
  | { op: "write"; file: string; body: string; tmp?: string }
  | { op: "mkdir"; dir: string }
  | { op: "replaceDir"; from: string; to: string };

// The very code the writer thread runs (plain JavaScript, as a worker must be).
const { run } = (await import(pathToFileURL(packagePath("src/build/file-ops.js")).href)) as { run: (op: FileOp) => void };

/**
 * Operations a build runs on its own thread before it starts the writer
 * thread. A rebuild after editing the newest of 1,000 issues makes about
 * 60 (two pages, its email, the index, 13 feeds of each kind and 12 topic
 * pages, a search shard): written at once, they cost less than starting
 * the thread (1.35-1.47 s against 1.48-1.66 s for the rebuild, here).
 */
export const SYNC_OPS = 128;

/** Text handed to the thread and not yet written past which room() waits: the backlog's copies are memory the build would otherwise not hold. */
const BACKLOG_CHARS = 4 * 1024 * 1024;

type Reply = { flushed: number; error?: { message: string; code?: string; path: string } } | { wrote: number };

/**
 * Writes a build's cache files (issue pages, emails, search shards) in the
 * order given, off the build's thread: creating a file costs 0.3-0.7 ms
 * of kernel time on this project's machine, and a cold build creates
 * thousands, which a thread of their own creates while the build renders
 * the next. A text is let go as soon as it is handed over (kept until
 * written, a thousand pages would outlive V8's cheap collections and grow
 * the heap). The first few operations run at once, on the caller's
 * thread. What was handed over is on disk for certain once flush()
 * resolves; it rejects with the first operation that failed.
 */
export class FileWriter {
  private ops = 0;
  private worker: Worker | undefined;
  private flushes = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private failure: Error | undefined;
  /** Characters handed to the thread and not yet written. */
  private backlog = 0;
  private roomWaiter: (() => void) | undefined;

  do(op: FileOp): void {
    if (this.ops++ < SYNC_OPS) run(op);
    else {
      (this.worker ??= this.spawn()).postMessage(op);
      if (op.op === "write") this.backlog += op.body.length;
    }
  }

  /**
   * Resolves once the thread's backlog is small: a build calls it between
   * batches, so that what it makes faster than the kernel takes it (search
   * shards, in a cold cache after thousands of deletions) does not pile up
   * in memory.
   */
  room(): Promise<void> {
    if (this.backlog <= BACKLOG_CHARS || !this.worker || this.failure) return Promise.resolve();
    this.worker.ref();
    return new Promise<void>((resolve) => (this.roomWaiter = resolve)).finally(() => {
      if (this.waiting.size === 0) this.worker?.unref();
    });
  }

  write(file: string, body: string, tmp?: string): void {
    this.do({ op: "write", file, body, tmp });
  }

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    const n = ++this.flushes;
    worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      worker.postMessage({ flush: n });
    }).finally(() => {
      if (this.waiting.size === 0) worker.unref();
    });
  }

  /** Ends the thread, if one was started; what was not flushed may be lost. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.removeAllListeners("exit");
    await worker.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(packagePath("src/build/file-writer.js"));
    worker.unref();
    worker.on("message", (msg: Reply) => {
      if ("wrote" in msg) {
        this.backlog -= msg.wrote;
        if (this.roomWaiter && this.backlog <= BACKLOG_CHARS / 2) {
          this.roomWaiter();
          this.roomWaiter = undefined;
        }
        return;
      }
      const waiter = this.waiting.get(msg.flushed);
      this.waiting.delete(msg.flushed);
      if (msg.error) waiter?.reject(Object.assign(new Error(`writing ${msg.error.path}: ${msg.error.message}`), { code: msg.error.code }));
      else waiter?.resolve();
    });
    worker.on("error", (err) => this.fail(err));
    worker.on("exit", (code) => this.fail(new Error(`the build's file writer thread stopped (exit code ${code})`)));
    return worker;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.roomWaiter?.();
    this.roomWaiter = undefined;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
