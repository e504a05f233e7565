import { Worker } from "node:worker_threads";
import type { Config } from "../config.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { packagePath } from "../paths.ts";
import { workerId } from "./campaign.ts";

/** What the mailer's thread is started with: plain data, copied to it. */
export interface ThreadSpec {
  root: string;
  config: Config;
  /** Where mails go without SMTP_URL. */
  outboxDir: string;
  secret: Uint8Array;
  newsletter: Newsletter;
  /** The built confirmation mail (dist/emails/confirm.*). */
  confirmation: { subject: string; html: string; text: string };
  /** The name the thread's claims on mails are held under: the same for every thread this server starts. */
  server: string;
  /** The address the server listens on, once known. */
  listening?: string;
}

export type ToThread = { type: "wake" } | { type: "listening"; address: string } | { type: "drain"; id: number } | { type: "close" };
export type FromThread =
  | { type: "ready"; description: string }
  | { type: "failed"; message: string }
  | { type: "error"; text: string }
  | { type: "drained"; id: number }
  | { type: "backlog"; ms: number }
  | { type: "closed" };

const WAKE: ToThread = { type: "wake" };
const RESTART_MS = [1000, 5000, 30_000];

/**
 * The confirmation mailer (confirmations.ts) on a worker thread of its own,
 * with its own event loop, store connection and transport: under a rush of
 * signups the server's loop is busy with requests, and a mailer sharing it
 * got a turn between each of a mail's steps only once per round of the
 * loop. The server wakes it after each queued signup; the queue stays in the
 * store, so a thread that crashes is started again and loses nothing.
 */
export class ConfirmationThread {
  private worker!: Worker;
  private readonly drains = new Map<number, () => void>();
  private nextDrain = 0;
  private closing = false;
  private wakeSent = false;
  /** The thread's last word on how long the mail it is sending waited since its signup. */
  private backlog = 0;
  private restarts = 0;
  /** Whether a thread is running now (not between a crash and its restart). */
  private alive = false;
  private closed?: Promise<void>;

  private constructor(
    private readonly spec: ThreadSpec,
    private readonly log: (line: string) => void,
    /** Where the mails go, for people. */
    readonly description: string,
  ) {}

  /** Starts the thread; resolves once its store and transport are open (rejects with why they could not be). */
  static async start(spec: Omit<ThreadSpec, "server">, log: (line: string) => void): Promise<ConfirmationThread> {
    const full = { ...spec, server: `${workerId()}-mailer` };
    const { worker, description } = await spawn(full, log);
    const thread = new ConfirmationThread(full, log, description);
    thread.adopt(worker);
    return thread;
  }

  /**
   * Looks for queued mails: call after queueing one. The signups answered
   * in one round of the server's loop share one message to the thread (a
   * message each measured a tenth of a signup's cost).
   */
  wake(): void {
    if (this.closing || this.wakeSent) return;
    this.wakeSent = true;
    setImmediate(() => {
      this.wakeSent = false;
      if (!this.closing) this.worker.postMessage(WAKE);
    });
  }

  /**
   * Seconds a reader should wait before signing up (for Retry-After) when
   * the mails go out further behind the signups than
   * GAZETTE_CONFIRM_BACKLOG_SECONDS (the relay is slower than the rush);
   * else undefined. The thread says every second how far behind it is.
   */
  behind(): number | undefined {
    const limit = this.spec.config.GAZETTE_CONFIRM_BACKLOG_SECONDS;
    return limit > 0 && this.backlog > limit * 1000 ? Math.ceil(limit) : undefined;
  }

  /** Tells the thread where the server listens (the confirmation links' base without GAZETTE_PUBLIC_URL). */
  listening(address: string): void {
    this.spec.listening = address;
    this.worker.postMessage({ type: "listening", address } satisfies ToThread);
  }

  /** Resolves once no queued mail is left unsent. */
  drain(): Promise<void> {
    const id = this.nextDrain++;
    return new Promise((resolve) => {
      this.drains.set(id, resolve);
      this.worker.postMessage({ type: "drain", id } satisfies ToThread);
    });
  }

  /** Mails in flight finish and are recorded, claims on the rest go back to the queue, then the thread ends. */
  close(): Promise<void> {
    this.closing = true;
    this.closed ??= new Promise<void>((resolve) => {
      const worker = this.worker;
      if (!this.alive) return resolve();
      worker.once("exit", () => resolve());
      worker.on("message", (message: FromThread) => {
        if (message.type === "closed") void worker.terminate();
      });
      worker.postMessage({ type: "close" } satisfies ToThread);
    });
    return this.closed;
  }

  private adopt(worker: Worker): void {
    this.worker = worker;
    this.alive = true;
    worker.on("message", (message: FromThread) => {
      if (message.type === "error") this.log(message.text);
      else if (message.type === "backlog") this.backlog = message.ms;
      else if (message.type === "drained") {
        this.drains.get(message.id)?.();
        this.drains.delete(message.id);
      }
    });
    worker.on("error", (err) => this.log(`the confirmation mailer's thread failed: ${err.message}`));
    worker.once("exit", (code) => {
      this.alive = false;
      this.backlog = 0;
      if (this.closing) return;
      const wait = RESTART_MS[Math.min(this.restarts++, RESTART_MS.length - 1)]!;
      this.log(`the confirmation mailer's thread stopped (exit code ${code}); starting it again in ${wait / 1000} s (queued mails wait in the store)`);
      setTimeout(() => void this.restart(), wait).unref();
    });
  }

  private async restart(): Promise<void> {
    if (this.closing) return;
    try {
      const { worker } = await spawn(this.spec, this.log);
      if (this.closing) return void worker.terminate();
      this.adopt(worker);
      // Drains asked of the thread that stopped are asked again.
      for (const id of this.drains.keys()) worker.postMessage({ type: "drain", id } satisfies ToThread);
    } catch (err) {
      this.log(`the confirmation mailer's thread could not start again: ${(err as Error).message}`);
      const wait = RESTART_MS.at(-1)!;
      setTimeout(() => void this.restart(), wait).unref();
    }
  }
}

/** A new thread, once it says it is ready. */
function spawn(spec: ThreadSpec, log: (line: string) => void): Promise<{ worker: Worker; description: string }> {
  // The worker module beside this one: .ts when src/ runs through tsx, .js when compiled.
  const entry = new URL(`./confirmation-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url).href;
  const worker = new Worker(packagePath("src/send/thread-entry.js"), { workerData: { entry, spec } });
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromThread) => {
      if (message.type === "ready") {
        cleanup();
        resolve({ worker, description: message.description });
      } else if (message.type === "failed") {
        cleanup();
        void worker.terminate();
        reject(new Error(message.message));
      } else if (message.type === "error") log(message.text);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the confirmation mailer's thread exited with code ${code} before it was ready`));
    };
    const onError = (err: Error) => {
      cleanup();
      void worker.terminate();
      reject(err);
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("exit", onExit);
      worker.off("error", onError);
    };
    worker.on("message", onMessage);
    worker.once("exit", onExit);
    worker.once("error", onError);
  });
}
