import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { freePort } from "./processes.ts";

// A throwaway PostgreSQL cluster for the tests and the benchmark: Debian's
// `postgresql` binaries, a temporary folder, 127.0.0.1 on a free port (and a
// Unix socket in the same folder), trust authentication, fsync off (nothing
// in it outlives the run). As root it runs as the `postgres` user, since
// PostgreSQL refuses to run as root. Also used by bench/, so no vitest here.

export interface Cluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres: the maintenance database, for CREATE DATABASE. */
  adminUrl: string;
  stop(): void;
}

/** Where Debian installs the server binaries, newest version first; undefined when the package is missing. */
export function findPostgresBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, "bin/initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(base, versions[0], "bin");
}

export const MISSING_POSTGRES = "the PostgreSQL tests need Debian's postgresql package (apt-get install -y postgresql; .ci/run installs it)";

/**
 * Starts a cluster. `durable` keeps fsync on (the benchmark: commits as an
 * operator would run them, with synchronous_commit off, which like SQLite's
 * WAL NORMAL survives a killed process but not a power cut); the tests turn
 * fsync off.
 */
export async function startCluster(options: { durable?: boolean } = {}): Promise<Cluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(MISSING_POSTGRES);
  const dir = mkdtempSync(path.join(tmpdir(), "gazette-pg-"));
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()) : undefined;
  if (owner !== undefined) chownSync(dir, owner, Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()));
  const run = (program: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, program), ...args]] : [path.join(bin, program), args];
    const result = spawnSync(cmd, argv, { encoding: "utf8", cwd: dir });
    if (result.status !== 0) throw new Error(`${program} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  };
  const data = path.join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const port = await freePort();
  const options_ = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c synchronous_commit=off", "-c max_connections=200"];
  if (!options.durable) options_.push("-c fsync=off", "-c full_page_writes=off");
  run("pg_ctl", ["-D", data, "-o", options_.join(" "), "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
  let stopped = false;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
