import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { build, type BuildOptions, type BuildResult } from "./build.ts";
import { MjmlPool } from "./compile-emails.ts";

/**
 * Rebuilds whenever something under content/ or emails/ changes (after a
 * short quiet spell: an editor's save is a burst of events within a few
 * milliseconds; one build at a time). mjml stays imported on a worker for
 * the whole session, so a rebuild that compiles an email does not wait for
 * it. Returns a function that stops watching.
 */
export function watchAndRebuild(options: BuildOptions, onBuilt: (outcome: { result?: BuildResult; error?: unknown }) => void, quietMs = 20): () => void {
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
