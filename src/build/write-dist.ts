import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

// dist/ is replaced whole or not at all. Files are written into a fresh
// folder beside it; only when every file is there does a pair of renames
// swap it in. A crash before the swap leaves the old dist/ untouched (the
// next build clears the leftovers); a crash between the two renames leaves
// the old tree under a known name, which the next build puts back.

const TMP_PREFIX = ".gazette-tmp-";
const NEW = `${TMP_PREFIX}new-`;
const OLD = `${TMP_PREFIX}old-`;
const LOCK = `${TMP_PREFIX}lock`;

export interface WriteReport {
  /** Files whose bytes changed or are new. */
  written: string[];
  /** Files carried over from the previous dist/ (same bytes, same mtime). */
  unchanged: string[];
  /** Files of the previous dist/ that are gone. */
  removed: string[];
}

/**
 * Replaces `distDir` with exactly `files`. Unchanged files are hard-linked
 * from the previous build, so their modification time (and with it the
 * server's Last-Modified and ETag) stays put when content did not change.
 */
export async function writeDist(distDir: string, files: Map<string, string | Buffer>): Promise<WriteReport> {
  const parent = path.dirname(distDir);
  await mkdir(parent, { recursive: true });
  const release = await lock(parent);
  try {
    await recover(parent, distDir);
    const fresh = path.join(parent, `${NEW}${randomBytes(6).toString("hex")}`);
    await mkdir(fresh);
    const report: WriteReport = { written: [], unchanged: [], removed: [] };
    for (const [rel, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      const target = path.join(fresh, safeRelative(rel));
      await mkdir(path.dirname(target), { recursive: true });
      const previous = path.join(distDir, rel);
      if (await sameBytes(previous, content)) {
        await link(previous, target);
        report.unchanged.push(rel);
      } else {
        await writeFile(target, content);
        report.written.push(rel);
      }
    }
    report.removed = (await listFiles(distDir)).filter((rel) => !files.has(rel));
    await swap(parent, distDir, fresh);
    return report;
  } finally {
    await release();
  }
}

async function swap(parent: string, distDir: string, fresh: string): Promise<void> {
  const old = path.join(parent, `${OLD}${randomBytes(6).toString("hex")}`);
  const hadOld = await exists(distDir);
  if (hadOld) await rename(distDir, old);
  await rename(fresh, distDir);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/** Puts back a dist/ that a crash left renamed aside, and clears unfinished builds. */
async function recover(parent: string, distDir: string): Promise<void> {
  const leftovers = (await readdir(parent)).filter((n) => n.startsWith(TMP_PREFIX) && n !== LOCK);
  const old = leftovers.find((n) => n.startsWith(OLD));
  if (old && !(await exists(distDir))) await rename(path.join(parent, old), distDir);
  for (const name of leftovers) await rm(path.join(parent, name), { recursive: true, force: true });
}

/** One build at a time per folder; a lock left by a dead process is taken over. */
async function lock(parent: string): Promise<() => Promise<void>> {
  const file = path.join(parent, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(await readFile(file, "utf8").catch(() => ""));
      if (pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw Object.assign(new Error(`another build is writing ${path.join(parent, "dist")} (process ${pid}); wait for it to finish`), { code: "GAZETTE_BUSY" });
      }
      await rm(file, { force: true });
    }
  }
  throw new Error(`could not take the build lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function safeRelative(rel: string): string {
  const normal = path.normalize(rel);
  if (path.isAbsolute(normal) || normal.startsWith("..")) throw new Error(`refusing to write outside dist/: ${rel}`);
  return normal;
}

async function sameBytes(file: string, content: string | Buffer): Promise<boolean> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size !== bytes.length) return false;
    return (await readFile(file)).equals(bytes);
  } catch {
    return false;
  }
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
