import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { packagePath } from "../../paths.ts";
import { StoreError } from "../store.ts";

const MIGRATIONS = packagePath("src/store/postgres/migrations");

/** Any fixed number: the advisory lock that lets one process at a time migrate. */
const MIGRATION_LOCK = 7_365_013;

/**
 * Applies every migration newer than the database's, each in its own
 * transaction, recorded in schema_migrations. Several servers and workers
 * start at once: an advisory lock makes the others wait, then find nothing
 * left to do. Returns the versions applied and the version now.
 */
export async function migratePostgres(client: pg.ClientBase): Promise<{ applied: number[]; version: number }> {
  // The lock comes first: CREATE TABLE IF NOT EXISTS is not safe against itself in another session.
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  const applied: number[] = [];
  try {
    await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    const done = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    for (const file of migrationFiles()) {
      const version = Number(file.slice(0, 3));
      if (done.has(version)) continue;
      try {
        await client.query("BEGIN");
        await client.query(readFileSync(path.join(MIGRATIONS, file), "utf8"));
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [version, file]);
        await client.query("COMMIT");
        applied.push(version);
      } catch (cause) {
        await client.query("ROLLBACK").catch(() => {});
        throw new StoreError("MIGRATION", `migration postgres/${file} failed: ${(cause as Error).message}`);
      }
    }
    return { applied, version: Math.max(0, ...done, ...applied) };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}

function migrationFiles(): string[] {
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{3}-.*\.sql$/.test(f)).sort();
  // Two with one number would apply both here but only one on SQLite: refuse, as SQLite's migrator does.
  const versions = files.map((f) => f.slice(0, 3));
  const twice = versions.find((v, i) => versions.indexOf(v) !== i);
  if (twice) throw new StoreError("MIGRATION", `two postgres migrations share the number ${twice}: renumber one`);
  return files;
}
