import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";

/**
 * An exclusive lock file holding the owner's pid. The file appears with
 * its pid already in it (written beside it, then hard-linked into place),
 * so no one ever reads an empty lock. A lock whose process is gone is taken
 * over; one held by a live process, this one included, is busy. Returns the
 * release function; throws an error with code GAZETTE_BUSY naming `what`
 * when the lock is held.
 */
export function acquireLock(file: string, what: string): () => void {
  const mine = `${file}.${process.pid}.${Date.now()}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, file);
        return () => rmSync(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const holder = readHolder(file);
        if (holder === "busy" || (holder !== "gone" && isAlive(holder))) {
          throw Object.assign(new Error(`${what}${typeof holder === "number" ? ` (process ${holder})` : ""}; wait for it to finish`), { code: "GAZETTE_BUSY" });
        }
        rmSync(file, { force: true }); // its process is gone
      }
    }
    throw new Error(`could not take the lock ${file}`);
  } finally {
    rmSync(mine, { force: true });
  }
}

/** The pid in a lock file; "gone" if the file vanished; "busy" if it cannot be read as a pid yet is fresh. */
function readHolder(file: string): number | "gone" | "busy" {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    // Unreadable: written by something else. Stale only once it is old.
    return Date.now() - statSync(file).mtimeMs > 60_000 ? "gone" : "busy";
  } catch {
    return "gone";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
