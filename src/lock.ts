import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * An exclusive lock file naming its owner: the pid, the process's start
 * time (from /proc, where there is one) and its command line. The file
 * appears with all of that already in it (written beside it, then
 * hard-linked into place), so no one ever reads an empty lock. A lock is
 * stale, and taken over, when its process is gone or when the pid now
 * belongs to another process (a different start time; for a lock written
 * without one, a command that is not Gazette's). One held by a live owner,
 * this process included, is busy. Returns the release function; throws an
 * error with code GAZETTE_BUSY naming `what`, the owner and the lock file
 * when the lock is held.
 */
export function acquireLock(file: string, what: string): () => void {
  const mine = `${file}.${process.pid}.${Date.now()}`;
  writeFileSync(mine, describeOwner(process.pid));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, file);
        return () => rmSync(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const holder = readHolder(file);
        if (holder === "busy" || (holder !== "gone" && isOwnerAlive(holder))) {
          const who = typeof holder === "object" ? ` (process ${holder.pid}${holder.command ? `: ${holder.command}` : ""})` : "";
          throw Object.assign(new Error(`${what}${who}; wait for it to finish (lock file ${shown(file)})`), { code: "GAZETTE_BUSY" });
        }
        rmSync(file, { force: true }); // its process is gone, or the pid is someone else's now
      }
    }
    throw new Error(`could not take the lock ${shown(file)}`);
  } finally {
    rmSync(mine, { force: true });
  }
}

interface Owner {
  pid: number;
  /** Clock ticks after boot at which the process started (/proc/<pid>/stat, field 22); undefined where unknown. */
  start?: string;
  command?: string;
}

/** The lock's text: "pid\nstart TICKS\ncommand TEXT\n" (the first line alone is what older locks hold). */
export function describeOwner(pid: number): string {
  const start = startTime(pid);
  return `${pid}\n${start ? `start ${start}\n` : ""}command ${commandLine(pid) ?? process.argv.join(" ")}\n`;
}

/** The owner a lock file names; "gone" if the file vanished; "busy" if it names no pid yet is fresh. */
function readHolder(file: string): Owner | "gone" | "busy" {
  try {
    const [first, ...rest] = readFileSync(file, "utf8").split("\n");
    const pid = Number(first!.trim());
    if (Number.isInteger(pid) && pid > 0) {
      const field = (name: string) => rest.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1).trim();
      return { pid, start: field("start"), command: field("command") };
    }
    // Unreadable: written by something else. Stale only once it is old.
    return Date.now() - statSync(file).mtimeMs > 60_000 ? "gone" : "busy";
  } catch {
    return "gone";
  }
}

function isOwnerAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = startTime(owner.pid);
  if (start === undefined) return true; // no /proc: a live pid is all there is to go on
  if (owner.start !== undefined) return owner.start === start;
  // Written without a start time: the pid still names Gazette, or someone else now.
  const command = commandLine(owner.pid);
  return command === undefined || /gazette/i.test(command);
}

/** Field 22 of /proc/<pid>/stat, read after the command name (which may hold spaces and parentheses). */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return text ? text.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}

function shown(file: string): string {
  return path.relative(process.cwd(), file) || file;
}
