import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
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

  group
    .command("copy")
    .description("copy the SQLite store (data/gazette.sqlite and data/secret) into an empty PostgreSQL database, in one transaction")
    .requiredOption("--to <url>", "postgres://user:pass@host:5432/database")
    .option("--force", "replace what the PostgreSQL database holds")
    .action(async (opts: { to: string; force?: boolean }) => {
      const config = readConfig({ ...process.env, DATABASE_URL: opts.to });
      const root = rootOf();
      const { sqliteFile } = await import("../store/open.ts");
      const file = sqliteFile(root, config);
      if (!existsSync(file)) throw Object.assign(new Error(`no SQLite store at ${path.relative(process.cwd(), file) || file}: nothing to copy`), { code: "GAZETTE_INPUT" });
      const { SqliteStore } = await import("../store/sqlite/sqlite-store.ts");
      const { PostgresStore } = await import("../store/postgres/postgres-store.ts");
      const source = new SqliteStore(file);
      try {
        const target = await PostgresStore.open(config.DATABASE_URL!, { poolSize: 2 });
        try {
          if (source.migrations.version !== target.migrations.version) {
            throw Object.assign(new Error(`the SQLite store is at schema ${source.migrations.version}, PostgreSQL at ${target.migrations.version}: run this with the same Gazette on both`), { code: "GAZETTE_COPY" });
          }
          // The links already mailed are signed with data/secret: PostgreSQL keeps it, so they go on working.
          const secretFile = path.join(path.dirname(file), "secret");
          const settings = existsSync(secretFile) ? { secret: readFileSync(secretFile, "utf8").trim() } : undefined;
          const counts = await target.copyFrom(source.tables(), { force: !!opts.force, settings });
          const url = new URL(opts.to);
          io.out(`copied into PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}, counts checked:\n`);
          for (const [table, n] of Object.entries(counts)) io.out(`  ${table.padEnd(20)}${n}\n`);
          if (settings) io.out("  and the token secret, so links already mailed keep working\n");
          io.out(`now set DATABASE_URL to that URL for every gazette command\n`);
        } finally {
          await target.close();
        }
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "NOT_EMPTY" || code === "COPY") throw Object.assign(new Error((err as Error).message), { code: "GAZETTE_COPY" });
        throw err;
      } finally {
        await source.close();
      }
    });
}
