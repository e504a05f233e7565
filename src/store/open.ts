import path from "node:path";
import type { Config } from "../config.ts";
import type { Store } from "./store.ts";

/** The project's store: SQLite under the data folder, opened and migrated. */
export async function openStore(root: string, config: Pick<Config, "GAZETTE_DATA_DIR">): Promise<Store> {
  // Imported here: better-sqlite3 is not loaded by commands that do not need it.
  const { SqliteStore } = await import("./sqlite/sqlite-store.ts");
  return new SqliteStore(storeFile(root, config));
}

/** Where the store lives: <data>/gazette.sqlite. */
export function storeFile(root: string, config: Pick<Config, "GAZETTE_DATA_DIR">): string {
  return path.resolve(root, config.GAZETTE_DATA_DIR, "gazette.sqlite");
}
