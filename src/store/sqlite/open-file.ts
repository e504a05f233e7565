import Database from "better-sqlite3";
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { StoreError } from "../store.ts";

// Opening the SQLite file, refusing what is not a Gazette store before
// anything is written to it, and saying plainly when its folder is read-only.

const HEADER = "SQLite format 3\0";
const OUR_TABLES = ["subscribers", "deliveries"];

export interface OpenedFile {
  db: Database.Database;
  /** Removes what opening made (a read-only snapshot); call after closing the database. */
  cleanup: () => void;
}

/**
 * Opens `file` for the store. Refuses a file that exists but is empty (a
 * 0-byte file reads as an empty store: "nothing to send") or does not start
 * with SQLite's header, and a writable open of a file in a folder this
 * process cannot write. `readOnly` writes nothing at all: when the folder
 * is read-only (SQLite in WAL mode cannot read there), it reads a snapshot
 * copied to a temporary folder.
 */
export function openSqliteFile(file: string, readOnly: boolean): OpenedFile {
  if (file === ":memory:") return { db: new Database(file), cleanup: () => {} };
  refuseNotSqlite(file);
  const dir = path.dirname(file);
  if (readOnly) return openReadOnly(file);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EROFS" || code === "EACCES" || code === "EPERM") {
      throw new StoreError("READ_ONLY", `cannot be written: its folder ${shown(dir)}/ is read-only to this process (${code}); give it write access (gazette send --dry-run needs none)`);
    }
    throw err;
  }
  return { db: new Database(file), cleanup: () => {} };
}

/** After opening: a database with tables but none of ours and no schema version is someone else's. */
export function refuseForeign(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  if (version === 0 && tables.length > 0 && !OUR_TABLES.some((t) => tables.includes(t))) {
    throw new StoreError("DAMAGED", `is a SQLite database but not a Gazette store (tables ${tables.slice(0, 5).join(", ")}); point GAZETTE_DATA_DIR at the project's data folder`);
  }
}

function refuseNotSqlite(file: string): void {
  if (!existsSync(file)) return;
  const size = statSync(file).size;
  if (size === 0) throw new StoreError("DAMAGED", "is empty (0 bytes), so it is not a Gazette store: restore it from a backup, or delete it to start an empty one");
  const head = Buffer.alloc(HEADER.length);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString("latin1") !== HEADER) throw new StoreError("DAMAGED", `is not a SQLite database (${size} bytes without SQLite's header), so not a Gazette store: restore it from a backup`);
}

function openReadOnly(file: string): OpenedFile {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.prepare("SELECT count(*) FROM sqlite_master").get();
      return { db, cleanup: () => {} };
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (!code.startsWith("SQLITE_READONLY") && code !== "SQLITE_CANTOPEN") throw err;
  }
  // WAL mode needs its -shm file beside the database, which a read-only folder cannot hold: read a copy.
  const snapshot = mkdtempSync(path.join(tmpdir(), "gazette-readonly-"));
  const copy = path.join(snapshot, path.basename(file));
  copyFileSync(file, copy);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
  return { db: new Database(copy, { readonly: true }), cleanup: () => rmSync(snapshot, { recursive: true, force: true }) };
}

function shown(file: string): string {
  return path.relative(process.cwd(), file) || file;
}
