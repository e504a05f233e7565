import path from "node:path";
import type { Config } from "../config.ts";
import { existsSync } from "node:fs";
import { StoreError, type Store } from "./store.ts";
import { storeFailure } from "./problems.ts";

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
 * chosen, so neither loads for commands that need no store. `readOnly`
 * (SQLite) writes nothing, not even a missing file (an empty store stands in);
 * `check` runs the backend's integrity check first. A store that cannot be
 * opened is a GAZETTE_STORE error naming it.
 */
export async function openStore(
  root: string,
  config: Pick<Config, "GAZETTE_DATA_DIR" | "DATABASE_URL" | "DATABASE_POOL_SIZE">,
  options: { readOnly?: boolean; check?: boolean } = {},
): Promise<Store> {
  if (config.DATABASE_URL) {
    const { PostgresStore } = await import("./postgres/postgres-store.ts");
    return PostgresStore.open(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  }
  const { SqliteStore } = await import("./sqlite/sqlite-store.ts");
  const file = sqliteFile(root, config);
  const shown = path.relative(process.cwd(), file) || file;
  let store: Store;
  try {
    store = options.readOnly && !existsSync(file) ? new SqliteStore(":memory:") : new SqliteStore(file, { readOnly: options.readOnly });
  } catch (err) {
    throw storeFailure(err as Error, shown);
  }
  const problems = options.check && store.checkIntegrity ? await store.checkIntegrity() : [];
  if (problems.length > 0) {
    await store.close().catch(() => {});
    const listed = problems.slice(0, 3).map((p) => p.replace(/\s*\n\s*/g, " ")).join("; ") + (problems.length > 3 ? `; and ${problems.length - 3} more` : "");
    throw storeFailure(new StoreError("DAMAGED", `failed its integrity check (PRAGMA quick_check: ${listed})`), shown);
  }
  return store;
}
