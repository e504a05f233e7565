import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";

/**
 * An exclusive lock file holding the owner's pid. A lock whose process is
 * gone is taken over. Returns the release function; throws an error with
 * code GAZETTE_BUSY naming `what` when another live process holds it.
 */
export function acquireLock(file: string, what: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let pid = 0;
      try {
        pid = Number(readFileSync(file, "utf8"));
      } catch {
        // vanished meanwhile
      }
      if (pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw Object.assign(new Error(`${what} (process ${pid}); wait for it to finish`), { code: "GAZETTE_BUSY" });
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
