import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { build, type BuildOptions, type BuildResult } from "./build.ts";

/**
 * Rebuilds whenever something under content/ or emails/ changes (after a
 * short quiet spell, one build at a time). Returns a function that stops
 * watching.
 */
export function watchAndRebuild(options: BuildOptions, onBuilt: (outcome: { result?: BuildResult; error?: unknown }) => void, quietMs = 150): () => void {
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
      onBuilt({ result: await build(options) });
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
  };
}
