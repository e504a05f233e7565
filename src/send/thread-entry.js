// A worker thread's first module: plain JavaScript, so it runs whether the
// CLI runs compiled or from src/ through tsx. workerData.entry is the module
// to run; a .ts one (src/ run as TypeScript) gets tsx's loader first, since a
// worker thread does not inherit the loader hooks of the thread that made it.
import { workerData } from "node:worker_threads";

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.entry);
