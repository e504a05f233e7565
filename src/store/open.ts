import path from "node:path";
import type { Config } from "../config.ts";
import { SqliteStore } from "./sqlite.ts";

/** The project's subscriber store: SQLite under the data folder. */
export function openStore(root: string, config: Pick<Config, "GAZETTE_DATA_DIR">): SqliteStore {
  return new SqliteStore(storeFile(root, config));
}

/** Where the store lives: <data>/gazette.sqlite. */
export function storeFile(root: string, config: Pick<Config, "GAZETTE_DATA_DIR">): string {
  return path.resolve(root, config.GAZETTE_DATA_DIR, "gazette.sqlite");
}
