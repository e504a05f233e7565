import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { packagePath } from "../paths.ts";
import { build, type BuildOptions, type BuildResult } from "./build.ts";
import { MjmlPool } from "./compile-emails.ts";

/**
 * Rebuilds whenever something under content/ or emails/ changes (after a
 * short quiet spell: an editor's save is a burst of events within a few
 * milliseconds; one build at a time). mjml stays imported on a worker for
 * the whole session, so a rebuild that compiles an email does not wait for
 * it. With `initial`, builds once at the start too. Returns a function that
 * stops watching.
 */
export function watchAndRebuild(options: BuildOptions & { initial?: boolean }, onBuilt: (outcome: { result?: BuildResult; error?: unknown }) => void, quietMs = 10): () => void {
  const compiler = options.compiler ?? new MjmlPool().warm();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      onBuilt({ result: await build({ ...options, compiler }) });
    } catch (error) {
      onBuilt({ error });
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), quietMs);
  };
  const watchers: FSWatcher[] = [];
  // A first build at once (the rebuild thread's: it warms the thread's modules and memos, and catches an edit made since the last build).
  if (options.initial) void run();
  for (const dir of ["content", "emails"]) {
    try {
      watchers.push(watch(path.join(options.root, dir), { recursive: true }, schedule));
    } catch {
      // a project without its own emails/ uses the defaults: nothing to watch
    }
  }
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
    if (!options.compiler) void compiler.close();
  };
}

/** What the rebuild thread is told: the project, and the issues whose emails it posts as soon as they are made. */
export interface WatchThreadSpec {
  root: string;
  outDir: string;
  emails: string[];
}

export type FromWatchThread =
  | { type: "ready" }
  | { type: "emails"; files: Array<[string, string]> }
  | { type: "built"; written: number }
  | { type: "failed"; error: string };

/** What the rebuild thread is told: go on with a rebuild held after its emails, or stop. */
export type ToWatchThread = "resume" | "stop";

/**
 * watchAndRebuild on a worker thread of its own (gazette preview): the
 * thread that started it stays free to serve while a rebuild runs. Calls
 * `emails` with the wanted emails' files (path → text) as soon as a rebuild
 * has made them (the rebuild goes on when what it returns resolves), then
 * `built` with what it wrote or the error, as a person reads it. Returns a
 * function that stops the thread.
 */
export function watchOnThread(
  spec: WatchThreadSpec,
  handlers: { emails: (files: Map<string, string>) => void | Promise<void>; built: (outcome: { written?: number; error?: string }) => void },
): () => Promise<void> {
  // The thread's module beside this one: .ts when src/ runs through tsx, .js when compiled.
  const entry = new URL(`./watch-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url).href;
  const worker = new Worker(packagePath("src/send/thread-entry.js"), { workerData: { entry, spec } });
  worker.on("message", (message: FromWatchThread) => {
    if (message.type === "emails") {
      const told = (): void => void (stopping || worker.postMessage("resume" satisfies ToWatchThread));
      void Promise.resolve(handlers.emails(new Map(message.files))).then(told, told);
    } else if (message.type === "built") handlers.built({ written: message.written });
    else if (message.type === "failed") handlers.built({ error: message.error });
  });
  // Said once: a thread that fails with an error exits with a code too.
  let stopping = false;
  worker.on("error", (err) => {
    if (!stopping) handlers.built({ error: `gazette: the rebuild thread stopped: ${err.message}; restart gazette preview to watch again` });
    stopping = true;
  });
  worker.on("exit", (code) => {
    if (!stopping && code !== 0) handlers.built({ error: `gazette: the rebuild thread stopped (exit ${code}); restart gazette preview to watch again` });
  });
  return async () => {
    stopping = true;
    worker.postMessage("stop" satisfies ToWatchThread);
    // Its mjml workers close within a moment; past that, the thread is ended.
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const timer = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  };
}
