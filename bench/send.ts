import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "../src/build/build.ts";
import type { EmailMeta } from "../src/build/emails.ts";
import { loadContent } from "../src/content/load.ts";
import { prepareMessage } from "../src/send/message.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { freePort } from "../test/helpers/processes.ts";

// npm run bench (send part): gazette send of issue 36 to N confirmed
// subscribers over SMTP into Postfix's smtp-sink on 127.0.0.1, and Postfix's
// smtp-source (persistent connections) with the same message size and
// connection count into the same sink, so the figure that matters is a
// ratio that holds on a noisy machine.

const REPO = fileURLToPath(new URL("../", import.meta.url));
const SINK = "/usr/sbin/smtp-sink";
const SOURCE = "/usr/sbin/smtp-source";
const CONNECTIONS = Number(process.env.BENCH_SMTP_CONNECTIONS ?? 16);

export interface SendRun {
  recipients: number;
  gazettePerSecond: number;
  sourcePerSecond: number;
  cpuMsPerMessage: number;
  maxRssMb: number;
  messageBytes: number;
}

/**
 * Microseconds to make one subscriber's ready-to-send bytes from the
 * prepared issue 36 message (after 2,000 warm-up builds, as in a real send).
 */
export async function benchPersonalise(): Promise<number> {
  const root = await mkdtemp(path.join(tmpdir(), "gazette-bench-msg-"));
  try {
    await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
    await build({ root });
    const { newsletter } = await loadContent(root);
    const dir = path.join(root, "dist/emails");
    const meta = JSON.parse(await readFile(path.join(dir, "36.json"), "utf8")) as EmailMeta;
    const message = prepareMessage({ meta, html: await readFile(path.join(dir, "36.html"), "utf8"), text: await readFile(path.join(dir, "36.txt"), "utf8"), newsletter, date: new Date() });
    const one = (i: number) =>
      message.build({
        email: `reader${i}@example.org`,
        name: null,
        messageId: `<issue36.${i}.AbCdEfGhIjKlMnOp@pretraining-weekly.example.org>`,
        unsubscribeUrl: `https://pretraining-weekly.example.org/unsubscribe/${i}.PRl-vyiZnlpOc_u1KNIJlcWN38CbD9ZLALEzt-b_Ayg`,
        unsubscribeMailto: "mailto:weekly@pretraining-weekly.example.org?subject=unsubscribe",
      });
    for (let i = 0; i < 2000; i++) one(i);
    const n = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) one(i);
    return Number(process.hrtime.bigint() - started) / 1e3 / n;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export async function benchSend(counts: number[]): Promise<SendRun[] | string> {
  if (!existsSync(SINK) || !existsSync(SOURCE)) {
    return `skipped: needs Postfix's smtp-sink and smtp-source (Debian package postfix: echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; apt-get install -y postfix; postfix stop)`;
  }
  const root = await mkdtemp(path.join(tmpdir(), "gazette-bench-send-"));
  const runs: SendRun[] = [];
  try {
    await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
    await build({ root });
    for (const count of counts) runs.push(await sendOnce(root, count));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return runs;
}

async function sendOnce(root: string, count: number): Promise<SendRun> {
  await rm(path.join(root, "data"), { recursive: true, force: true });
  const store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
  await store.importSubscribers(Array.from({ length: count }, (_, i) => ({ email: `reader${i + 1}@example.org` })));
  await store.close();

  const port = await freePort();
  const sink = spawn(SINK, ["-u", "nobody", `127.0.0.1:${port}`, "512"], { stdio: "ignore" });
  try {
    await waitForPort(port);
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, ["--import", path.join(REPO, "bench/report-rss.js"), path.join(REPO, "bin/gazette.js"), "send", "36", "--yes"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_POOL_SIZE: String(CONNECTIONS) },
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) throw new Error(`gazette send failed:\n${child.stdout}\n${child.stderr}`);
    const sent = Number(/sent (\d+), failed (\d+)/.exec(child.stdout)?.[1] ?? 0);
    if (sent !== count) throw new Error(`gazette sent ${sent} of ${count}:\n${child.stdout}`);
    const usage = JSON.parse(child.stderr.trim().split("\n").pop()!) as { maxRssMb: number; cpuMs: number };
    const messageBytes = await sizeOfOne(root);

    const sourceStarted = process.hrtime.bigint();
    const source = spawnSync(SOURCE, ["-d", "-s", String(CONNECTIONS), "-m", String(count), "-l", String(messageBytes), "-f", "weekly@example.org", "-t", "reader@example.org", `127.0.0.1:${port}`], { stdio: "ignore" });
    const sourceSeconds = Number(process.hrtime.bigint() - sourceStarted) / 1e9;
    if (source.status !== 0) throw new Error("smtp-source failed");
    return {
      recipients: count,
      gazettePerSecond: count / seconds,
      sourcePerSecond: count / sourceSeconds,
      cpuMsPerMessage: usage.cpuMs / count,
      maxRssMb: usage.maxRssMb,
      messageBytes,
    };
  } finally {
    await stop(sink);
  }
}

/** Bytes of one message as sent (from the outbox, which writes the same bytes). */
export async function sizeOfOne(root: string): Promise<number> {
  const outboxRoot = await mkdtemp(path.join(tmpdir(), "gazette-bench-one-"));
  try {
    await cp(path.join(root, "content"), path.join(outboxRoot, "content"), { recursive: true });
    await cp(path.join(root, "dist"), path.join(outboxRoot, "dist"), { recursive: true });
    const store = new SqliteStore(path.join(outboxRoot, "data/gazette.sqlite"));
    await store.addSubscriber({ email: "reader1@example.org" });
    await store.close();
    const env = { ...process.env };
    delete env.SMTP_URL;
    spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "36", "--yes"], { cwd: outboxRoot, env, stdio: "ignore" });
    return (await stat(path.join(outboxRoot, "data/outbox/36/00000001.eml"))).size;
  } finally {
    await rm(outboxRoot, { recursive: true, force: true });
  }
}

export async function waitForPort(port: number): Promise<void> {
  const { connect } = await import("node:net");
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`smtp-sink did not start on port ${port}`);
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export function formatSendRuns(runs: SendRun[] | string): string {
  if (typeof runs === "string") return `  ${runs}`;
  return runs
    .map(
      (r) =>
        `  ${String(r.recipients).padStart(6)} recipients, ${(r.messageBytes / 1024).toFixed(0)} KB each, ${CONNECTIONS} connections: ` +
        `gazette ${r.gazettePerSecond.toFixed(0)}/s, smtp-source ${r.sourcePerSecond.toFixed(0)}/s, ratio ${(r.gazettePerSecond / r.sourcePerSecond).toFixed(2)}; ` +
        `${r.cpuMsPerMessage.toFixed(2)} ms CPU per message, ${r.maxRssMb} MB peak`,
    )
    .join("\n");
}
