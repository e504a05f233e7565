import type { Command } from "commander";
import { readConfig } from "../config.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** gazette db migrate | copy */
export function registerDbCommands(program: Command, io: Io, rootOf: () => string): void {
  const group = program.command("db").description("the database: SQLite in the data folder, or PostgreSQL when DATABASE_URL is set");

  group
    .command("migrate")
    .description("bring the database's schema up to date (every command that opens it does this too)")
    .action(async () => {
      const config = readConfig();
      const { describeStore, openStore } = await import("../store/open.ts");
      const store = await openStore(rootOf(), config);
      try {
        const { applied, version } = store.migrations;
        const what = applied.length === 0 ? "already up to date" : `applied ${applied.map((v) => String(v).padStart(3, "0")).join(", ")}`;
        io.out(`${describeStore(rootOf(), config)}: ${what}; schema version ${version}\n`);
      } finally {
        await store.close();
      }
    });
}
