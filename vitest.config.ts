import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A throwaway PostgreSQL cluster for the run (when Debian's postgresql is installed).
    globalSetup: ["./test/setup/postgres.ts"],
    // Browser and child-process tests start real programs; give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
