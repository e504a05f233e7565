import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import Database from "better-sqlite3";
import { CLI, freePort, startServe } from "../test/helpers/processes.ts";
import { waitForPort } from "./send.ts";

// npm run bench (serve part): the real `gazette serve` process on 127.0.0.1
// with issue 36 built, loaded by autocannon from this process (one core
// each on a 2-core machine) for a few seconds per route. Signups go through
// the whole path: validation, a SQLite transaction, and a confirmation mail
// written to the local outbox; the per-client limit is lifted for the run
// (every request comes from 127.0.0.1), so what is measured is the work,
// not the 429s. BENCH_SERVE_SMTP=1 sends the confirmation mails into
// Postfix's smtp-sink instead (SMTP_POOL_SIZE connections, default 8).

const REPO = fileURLToPath(new URL("../", import.meta.url));
const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_SERVE_CONNECTIONS ?? 32);
const SINK = "/usr/sbin/smtp-sink";

export interface ServeRun {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  note?: string;
}

export async function benchServe(): Promise<ServeRun[]> {
  const root = await mkdtemp(path.join(tmpdir(), "gazette-bench-serve-"));
  let server: Awaited<ReturnType<typeof startServe>> | undefined;
  let sink: ChildProcess | undefined;
  try {
    await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
    const env = { ...process.env, SMTP_URL: "", GAZETTE_SIGNUPS_PER_CLIENT: "1000000000", GAZETTE_SECRET: "bench" };
    if (process.env.BENCH_SERVE_SMTP === "1") {
      if (!existsSync(SINK)) throw new Error(`BENCH_SERVE_SMTP=1 needs Postfix's ${SINK} (Debian package postfix)`);
      const sinkPort = await freePort();
      sink = spawn(SINK, ["-u", "nobody", `127.0.0.1:${sinkPort}`, "512"], { stdio: "ignore" });
      await waitForPort(sinkPort);
      env.SMTP_URL = `smtp://127.0.0.1:${sinkPort}`;
    }
    const built = spawnSync(process.execPath, [CLI, "build"], { cwd: root, env, encoding: "utf8" });
    if (built.status !== 0) throw new Error(`gazette build failed: ${built.stderr}`);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await startServe(root, port, env);

    const etag = (await fetch(`${base}/rss.xml`)).headers.get("etag")!;
    const runs: ServeRun[] = [];
    runs.push(await load("GET /rss.xml (200, full feed)", { url: `${base}/rss.xml` }));
    runs.push(await load("GET /rss.xml with a matching If-None-Match (304)", { url: `${base}/rss.xml`, headers: { "if-none-match": etag } }));
    let n = 0;
    const signup = (address: () => string) => ({
      url: `${base}/subscribe`,
      method: "POST" as const,
      headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
      requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: `email=${encodeURIComponent(address())}&website=` }) }],
    });
    const fresh = await load("POST /subscribe, a new address each time (store + confirmation mail)", signup(() => `reader${n++}@example.org`));
    // The mailer works through its queue (the store) beside the answers: how far behind the signups was it?
    fresh.note = await mailStats(path.join(root, "data/gazette.sqlite"), new Date());
    runs.push(fresh);
    runs.push(await load("POST /subscribe, one address over and over (throttled: no mail)", signup(() => "same@example.org")));
    return runs;
  } finally {
    await server?.stop();
    sink?.kill();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * From the store's timestamps, once every queued mail is settled: how many
 * were sent by the time the load ended, and the seconds from each signup
 * (requested_at) to its mail being sent (updated_at).
 */
async function mailStats(file: string, loadEnded: Date): Promise<string> {
  const db = new Database(file, { readonly: true });
  try {
    const queued = () => (db.prepare("SELECT count(*) AS n FROM confirmation_mails WHERE state = 'queued'").get() as { n: number }).n;
    while (queued() > 0 && Date.now() - loadEnded.getTime() < 300_000) await new Promise((r) => setTimeout(r, 100));
    const after = (Date.now() - loadEnded.getTime()) / 1000;
    const rows = db.prepare("SELECT requested_at AS a, updated_at AS b FROM confirmation_mails WHERE state = 'sent'").all() as { a: string; b: string }[];
    const total = (db.prepare("SELECT count(*) AS n FROM confirmation_mails").get() as { n: number }).n;
    const during = rows.filter((r) => Date.parse(r.b) <= loadEnded.getTime()).length;
    const seconds = rows.map((r) => (Date.parse(r.b) - Date.parse(r.a)) / 1000).sort((x, y) => x - y);
    const at = (q: number) => seconds[Math.min(seconds.length - 1, Math.floor(q * seconds.length))]?.toFixed(2) ?? "-";
    return (
      `${during} of ${total} confirmation mails sent during the load, ${rows.length} of ${total} ${after.toFixed(1)} s after it (${queued()} still queued)\n    ` +
      `signup to mail sent: median ${at(0.5)} s, p95 ${at(0.95)} s, max ${at(1)} s`
    );
  } finally {
    db.close();
  }
}

async function load(name: string, options: Record<string, unknown>): Promise<ServeRun> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options } as autocannon.Options);
  const statuses: Record<string, number> = {};
  for (const [key, value] of Object.entries(result.statusCodeStats ?? {})) statuses[key] = (value as { count: number }).count;
  return { name, requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, statuses };
}

export function formatServeRuns(runs: ServeRun[]): string {
  return runs
    .map((r) => {
      const codes = Object.entries(r.statuses).map(([code, count]) => `${code}×${count}`).join(" ");
      return `  ${r.name}\n    ${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms  [${codes}]${r.note ? `\n    ${r.note}` : ""}`;
    })
    .join("\n");
}
