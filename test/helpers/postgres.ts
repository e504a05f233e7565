import { randomBytes } from "node:crypto";
import { inject } from "vitest";

// Databases in the run's throwaway cluster (test/setup/postgres.ts): each
// call makes a new, empty one, so test files and tests never share state.

/** A new empty database's URL, for DATABASE_URL or a PostgresStore; throws when the run has no cluster. */
export async function createTestDatabase(): Promise<string> {
  const admin = inject("pgAdminUrl");
  if (!admin) throw new Error(inject("pgMissing"));
  const { default: pg } = await import("pg");
  const name = `gazette_test_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.href;
}
