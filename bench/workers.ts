import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "../src/build/build.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../src/store/store.ts";
import { findPostgresBin, startCluster, type Cluster } from "../test/helpers/postgres-cluster.ts";
import { freePort } from "../test/helpers/processes.ts";
import { sizeOfOne, stop, waitForPort } from "./send.ts";

// npm run bench (workers part): gazette send 36 --workers K into Postfix's
// smtp-sink, on PostgreSQL (a throwaway cluster, fsync on) and on SQLite,
// with smtp-source alongside into the same sink for the ratio that holds on
// a noisy machine; CPU per message and peak memory per worker from every
// process (bench/report-rss.js through NODE_OPTIONS). And the ledger's
// commits per second on each backend: one claim per batch and one commit
// per message (its 'sending' mark with the earlier outcomes), 16 at a time.

const REPO = fileURLToPath(new URL("../", import.meta.url));
const SINK = "/usr/sbin/smtp-sink";
const SOURCE = "/usr/sbin/smtp-source";
const CONNECTIONS = Number(process.env.BENCH_SMTP_CONNECTIONS ?? 16);

export interface WorkersRun {
  backend: "PostgreSQL" | "SQLite";
  workers: number;
  recipients: number;
  perSecond: number;
  sourcePerSecond: number;
  cpuMsPerMessage: number;
  /** Peak resident memory of the largest worker process. */
  maxRssMb: number;
}

export async function benchWorkers(recipients: number, counts: number[]): Promise<{ runs: WorkersRun[]; commits: { backend: string; perSecond: number }[] } | string> {
  if (!existsSync(SINK) || !existsSync(SOURCE)) return "skipped: needs Postfix's smtp-sink and smtp-source (see the send part)";
  if (!findPostgresBin()) return "skipped: needs Debian's postgresql (apt-get install -y postgresql)";
  const root = await mkdtemp(path.join(tmpdir(), "gazette-bench-workers-"));
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster({ durable: true });
    await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
    await build({ root });
    const bytes = await sizeOfOne(root);
    const runs: WorkersRun[] = [];
    const plan: [WorkersRun["backend"], number][] = [["SQLite", 1], ["SQLite", 2], ...counts.map((k) => ["PostgreSQL", k] as [WorkersRun["backend"], number])];
    for (const [backend, workers] of plan) runs.push(await sendOnce(root, cluster, backend, workers, recipients, bytes));
    const commits = [
      { backend: "SQLite", perSecond: await ledgerCommits(async () => new SqliteStore(path.join(root, `ledger-${Date.now()}.sqlite`))) },
      { backend: "PostgreSQL", perSecond: await ledgerCommits(async () => PostgresStore.open(await createDatabase(cluster!), { poolSize: 16 })) },
    ];
    return { runs, commits };
  } finally {
    cluster?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

async function createDatabase(cluster: Cluster): Promise<string> {
  const { default: pg } = await import("pg");
  const name = `bench_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client({ connectionString: cluster.adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return cluster.adminUrl.replace(/\/postgres$/, `/${name}`);
}

async function sendOnce(root: string, cluster: Cluster, backend: WorkersRun["backend"], workers: number, recipients: number, bytes: number): Promise<WorkersRun> {
  await rm(path.join(root, "data"), { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, SMTP_POOL_SIZE: String(Math.max(1, Math.round(CONNECTIONS / workers))), NODE_OPTIONS: `--import ${path.join(REPO, "bench/report-rss.js")}` };
  delete env.DATABASE_URL;
  let store: Store;
  if (backend === "PostgreSQL") {
    env.DATABASE_URL = await createDatabase(cluster);
    store = await PostgresStore.open(env.DATABASE_URL);
  } else store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
  await store.importSubscribers(Array.from({ length: recipients }, (_, i) => ({ email: `reader${i + 1}@example.org` })));
  await store.close();
  const port = await freePort();
  const sink = spawn(SINK, ["-u", "nobody", `127.0.0.1:${port}`, "512"], { stdio: "ignore" });
  try {
    await waitForPort(port);
    env.SMTP_URL = `smtp://127.0.0.1:${port}`;
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "36", "--yes", "--workers", String(workers)], { cwd: root, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) throw new Error(`gazette send --workers ${workers} on ${backend} failed:\n${child.stdout}\n${child.stderr}`);
    const sent = Number(/sent (\d+), failed/.exec(child.stdout)?.[1] ?? 0);
    if (sent !== recipients) throw new Error(`sent ${sent} of ${recipients}:\n${child.stdout}`);
    const usages = child.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { maxRssMb: number; cpuMs: number });
    const sourceStarted = process.hrtime.bigint();
    const source = spawnSync(SOURCE, ["-d", "-s", String(CONNECTIONS), "-m", String(recipients), "-l", String(bytes), "-f", "weekly@example.org", "-t", "reader@example.org", `127.0.0.1:${port}`], { stdio: "ignore" });
    if (source.status !== 0) throw new Error("smtp-source failed");
    const sourceSeconds = Number(process.hrtime.bigint() - sourceStarted) / 1e9;
    return {
      backend,
      workers,
      recipients,
      perSecond: recipients / seconds,
      sourcePerSecond: recipients / sourceSeconds,
      cpuMsPerMessage: usages.reduce((a, u) => a + u.cpuMs, 0) / recipients,
      maxRssMb: Math.max(...usages.map((u) => u.maxRssMb)),
    };
  } finally {
    await stop(sink);
  }
}

/** Ledger commits a second: 20,000 messages claimed in batches of 32, each begun (with the last outcomes) in its own commit, 16 at a time. */
async function ledgerCommits(open: () => Promise<Store>): Promise<number> {
  const store = await open();
  try {
    const n = 20_000;
    await store.importSubscribers(Array.from({ length: n }, (_, i) => ({ email: `r${i}@example.org` })));
    await store.startCampaign(1, { resendUncertain: false });
    const started = process.hrtime.bigint();
    let settled: { issue: number; subscriberId: number; state: "accepted"; detail: string }[] = [];
    for (;;) {
      const batch = await store.claimRecipients(1, "bench", { limit: 32, leaseMs: 60_000 });
      if (batch.length === 0) break;
      for (let i = 0; i < batch.length; i += 16) {
        await Promise.all(
          batch.slice(i, i + 16).map(async (s) => {
            const settle = settled;
            settled = [];
            await store.beginAttempt(1, s.id, `<${s.id}@bench>`, "bench", settle);
            settled.push({ issue: 1, subscriberId: s.id, state: "accepted", detail: "250 ok" });
          }),
        );
      }
    }
    await store.recordOutcomes(settled);
    return n / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await store.close();
  }
}

export function formatWorkersRuns(result: Awaited<ReturnType<typeof benchWorkers>>): string {
  if (typeof result === "string") return `  ${result}`;
  const lines = result.runs.map(
    (r) =>
      `  ${r.backend.padEnd(10)} ${r.workers} worker${r.workers === 1 ? " " : "s"}: ${r.perSecond.toFixed(0)}/s (smtp-source ${r.sourcePerSecond.toFixed(0)}/s, ratio ${(r.perSecond / r.sourcePerSecond).toFixed(2)}); ` +
      `${r.cpuMsPerMessage.toFixed(2)} ms CPU per message (all processes), ${r.maxRssMb} MB peak per worker`,
  );
  for (const c of result.commits) lines.push(`  ledger on ${c.backend}: ${c.perSecond.toFixed(0)} commits/s (claim 32, then one commit per message, 16 at a time)`);
  return lines.join("\n");
}
