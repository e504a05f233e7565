import path from "node:path";
import type { Config } from "../config.ts";
import type { Store } from "./store.ts";

/** Where the store is, for people: the database's host and name (never its password), or the SQLite file. */
export function describeStore(root: string, config: Pick<Config, "GAZETTE_DATA_DIR" | "DATABASE_URL">): string {
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
  }
  return `SQLite ${path.relative(process.cwd(), sqliteFile(root, config)) || sqliteFile(root, config)}`;
}

export function sqliteFile(root: string, config: Pick<Config, "GAZETTE_DATA_DIR">): string {
  return path.resolve(root, config.GAZETTE_DATA_DIR, "gazette.sqlite");
}

/**
 * The project's store, opened and migrated: PostgreSQL when DATABASE_URL is
 * set, else SQLite under the data folder. Each driver is imported only when
 * chosen, so neither loads for commands that need no store.
 */
export async function openStore(root: string, config: Pick<Config, "GAZETTE_DATA_DIR" | "DATABASE_URL" | "DATABASE_POOL_SIZE">): Promise<Store> {
  if (config.DATABASE_URL) {
    const { PostgresStore } = await import("./postgres/postgres-store.ts");
    return PostgresStore.open(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  }
  const { SqliteStore } = await import("./sqlite/sqlite-store.ts");
  return new SqliteStore(sqliteFile(root, config));
}
