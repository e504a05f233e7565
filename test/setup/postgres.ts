import type { TestProject } from "vitest/node";
import { findPostgresBin, MISSING_POSTGRES, startCluster } from "../helpers/postgres-cluster.ts";

// vitest globalSetup: one throwaway PostgreSQL cluster for the whole run
// (see helpers/postgres-cluster.ts); each test file makes its own databases
// in it (helpers/postgres.ts). Without Debian's postgresql package the
// PostgreSQL tests fail, saying so, and the others run as usual.

declare module "vitest" {
  export interface ProvidedContext {
    /** The cluster's maintenance database; "" when there is none. */
    pgAdminUrl: string;
    /** Why there is no cluster, when there is none. */
    pgMissing: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.GAZETTE_TEST_PG_ADMIN_URL) {
    // An existing server, for a developer who runs one: each test file still gets its own databases.
    project.provide("pgAdminUrl", process.env.GAZETTE_TEST_PG_ADMIN_URL);
    project.provide("pgMissing", "");
    return () => {};
  }
  if (!findPostgresBin()) {
    project.provide("pgAdminUrl", "");
    project.provide("pgMissing", MISSING_POSTGRES);
    return () => {};
  }
  const cluster = await startCluster();
  project.provide("pgAdminUrl", cluster.adminUrl);
  project.provide("pgMissing", "");
  return () => cluster.stop();
}
