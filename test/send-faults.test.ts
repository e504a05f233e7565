import { connect, createServer, type Server, type Socket } from "node:net";
import { chmodSync, closeSync, existsSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { freePort } from "./helpers/processes.ts";
import { readers, runSend, sendProject } from "./helpers/send-project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

// gazette send when things go wrong: what it exits with, what it says, and
// that the ledger still tells the truth afterwards. Real SMTP servers, real
// SQLite files, the real CLI in a child process.

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function smtp(behaviour: Parameters<typeof startSmtpServer>[0] = {}) {
  const server = await startSmtpServer(behaviour);
  closers.push(() => server.close());
  return server;
}

const env = (url: string, extra: NodeJS.ProcessEnv = {}) => ({ SMTP_URL: url, SMTP_POOL_SIZE: "2", GAZETTE_RETRY_BASE_MS: "5", ...extra });

async function ledger(db: string) {
  const store = new SqliteStore(db);
  try {
    return { states: await store.countByState(36), owed: await store.countOwed(36, false), deliveries: await store.deliveries(36) };
  } finally {
    await store.close();
  }
}

describe("gazette send's exit status says whether the run finished", () => {
  it("exits 75 when readers are still deferred, and 0 once a rerun delivers them", async () => {
    let down = true;
    const server = await smtp({ onRcpt: (address) => (down && address === "reader2@example.org" ? { code: 451, message: "4.3.0 mailbox busy" } : undefined) });
    const p = await sendProject(readers(3));
    const first = await runSend(p.root, env(server.url));
    expect(first.stdout).toContain("1 deferred by temporary failures: run gazette send 36 again later to retry them");
    expect(first.code).toBe(75);
    down = false;
    const second = await runSend(p.root, env(server.url));
    expect(second.code).toBe(0);
    expect(server.countsByRecipient().get("reader2@example.org")).toBe(1);
  });

  it("exits 65 when the relay refused a reader for good, and 0 on a rerun with nothing left to do", async () => {
    const server = await smtp({ onRcpt: (address) => (address === "reader1@example.org" ? { code: 550, message: "5.1.1 User unknown" } : undefined) });
    const p = await sendProject(readers(2));
    const first = await runSend(p.root, env(server.url));
    expect(first.stdout).toContain("failed 550 5.1.1: 1");
    expect(first.code).toBe(65);
    const again = await runSend(p.root, env(server.url));
    expect(again.stdout).toContain("nothing to send.");
    expect(again.code).toBe(0);
  });
});

describe("a dead relay stops the run", () => {
  it("stops after a run of refused connections, leaves everyone owed, says the relay is unreachable, and exits 75", async () => {
    const port = await freePort(); // nothing listens there: every connection is refused
    const p = await sendProject(readers(48));
    const result = await runSend(p.root, env(`smtp://127.0.0.1:${port}`));
    expect(result.stdout).toMatch(/stopped: the relay is unreachable \(4 connection failures in a row, the last ESOCKET: connect ECONNREFUSED 127\.0\.0\.1:\d+\); 48 readers stay owed the issue, none marked failed/);
    expect(result.code).toBe(75);
    expect(result.stderr).not.toContain("ETA 0s");
    const after = await ledger(p.db);
    expect(after.owed).toBe(48);
    // Only the messages in flight were tried (2 with 2 connections, each at most twice), each left deferred; the rest still queued.
    const tried = after.deliveries.filter((d) => d.state !== "queued");
    expect(tried.length).toBeLessThanOrEqual(4);
    expect(tried.every((d) => d.state === "deferred")).toBe(true);
  });

  it("stops when the relay accepts connections and never greets, within a few timeouts, not one per reader", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => silent.close(resolve));
    });
    let connections = 0;
    silent.on("connection", () => connections++);
    const p = await sendProject(readers(16));
    const result = await runSend(p.root, env(`smtp://127.0.0.1:${(silent.address() as { port: number }).port}`, { SMTP_TIMEOUT: "0.3" }));
    expect(result.stdout).toMatch(/stopped: the relay is unreachable \(4 connection failures in a row, the last ETIMEDOUT: Greeting never received\); 16 readers stay owed/);
    expect(result.code).toBe(75);
    expect(result.stderr).not.toContain("ETA 0s");
    expect(connections).toBeLessThanOrEqual(8); // 4 failures, then stop (16 readers × 5 attempts = 80 before)
    expect((await ledger(p.db)).owed).toBe(16);
  });

  it("keeps going through connection failures that successes interrupt", async () => {
    // Every other connection is dropped before its greeting: never 8 in a row.
    let n = 0;
    const server = await smtp();
    const flaky: Server = createServer((socket) => {
      if (n++ % 2 === 0) return socket.destroy();
      const [host, port] = server.url.replace("smtp://", "").split(":");
      const upstream = connect(Number(port), host!);
      socket.pipe(upstream).pipe(socket);
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => flaky.close(resolve)));
    const p = await sendProject(readers(10));
    const result = await runSend(p.root, env(`smtp://127.0.0.1:${(flaky.address() as { port: number }).port}`));
    expect(result.stdout).not.toContain("unreachable");
    expect(result.code).toBe(0);
    expect(server.accepted).toHaveLength(10);
  });
});

describe("a ledger write that fails", () => {
  it("stops like Ctrl-C: finishes what is in flight, names the database, releases the lock, and loses no delivery", async () => {
    const server = await smtp({ delayMs: 5 });
    const p = await sendProject(readers(400));
    // A file-size limit a little above what the store holds now: the WAL
    // fills it after a few dozen commits, and every write past it fails (EFBIG,
    // SQLite's SQLITE_FULL / IOERR), the way a full disk does.
    const limitKb = Math.ceil(statSync(p.db).size / 1024) + 96;
    const full = await runSend(p.root, env(server.url), [], `ulimit -f ${limitKb}`);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^gazette: the store data\/gazette\.sqlite could not be written: the disk or the file-size limit is full \(SQLITE_(FULL|IOERR_WRITE): .*\); free some space; the send stopped\n$/m);
    expect(full.stdout).toContain("stopped: the store data/gazette.sqlite could not be written");
    expect(full.stdout).toContain("fix data/gazette.sqlite (see above), then run gazette send 36 to continue where it left off");
    expect(server.accepted.length).toBeGreaterThan(0);
    expect(server.accepted.length).toBeLessThan(400);
    expect(existsSync(path.join(p.root, "data/send-36.lock"))).toBe(false);
    const listed = /accepted by the relay \(they have it: do not --resend-uncertain them\): (.*)/.exec(full.stdout)?.[1]?.split(", ") ?? [];
    const delivered = new Set(server.accepted.map((m) => m.to[0]!));
    for (const email of listed) expect(delivered.has(email), email).toBe(true);

    // Room again: the rerun sends the rest, once each; what the ledger could not take is uncertain, as the report said.
    const rerun = await runSend(p.root, env(server.url));
    const after = await ledger(p.db);
    expect(after.deliveries.filter((d) => d.state === "uncertain").map((d) => d.email).sort()).toEqual([...listed].sort());
    expect(rerun.code).toBe(listed.length > 0 ? 75 : 0);
    for (const email of readers(400)) expect(server.countsByRecipient().get(email), email).toBe(1);
    expect(after.states.sending).toBeUndefined();
  });
});

describe("a damaged store is caught before sending", () => {
  it("refuses a 0-byte database file, naming it, for a send and a dry run, and leaves it as it was", async () => {
    const server = await smtp();
    const p = await sendProject(readers(3));
    for (const f of readdirSync(path.dirname(p.db))) if (f.startsWith("gazette.sqlite")) writeFileSync(path.join(path.dirname(p.db), f), "");
    for (const args of [[], ["--dry-run"]]) {
      const result = await runSend(p.root, env(server.url), args);
      expect(result.stderr).toBe("gazette: the store data/gazette.sqlite is empty (0 bytes), so it is not a Gazette store: restore it from a backup, or delete it to start an empty one\n");
      expect(result.code).toBe(1);
    }
    expect(statSync(p.db).size).toBe(0);
    expect(server.accepted).toHaveLength(0);
  });

  it("refuses a file with garbage in the middle before sending to anyone, dry run included", async () => {
    const server = await smtp();
    const p = await sendProject(readers(1500));
    const size = statSync(p.db).size;
    const fd = openSync(p.db, "r+");
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    for (const args of [["--dry-run"], []]) {
      const result = await runSend(p.root, env(server.url), args);
      expect(result.stderr).toMatch(/^gazette: the store data\/gazette\.sqlite (failed its integrity check \(PRAGMA quick_check: .+\)|is damaged \(SQLITE_CORRUPT.*\)); restore it from a backup/);
      expect(result.stdout).not.toContain("recipients:");
      expect(result.code).toBe(1);
    }
    expect(server.accepted).toHaveLength(0);
  });

  it("refuses a SQLite file that is not a Gazette store rather than adding tables to it", async () => {
    const p = await sendProject([]);
    for (const f of readdirSync(path.dirname(p.db))) if (f.startsWith("gazette.sqlite")) rmSync(path.join(path.dirname(p.db), f));
    const other = new Database(p.db);
    other.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)");
    other.close();
    const foreign = await runSend(p.root, { SMTP_URL: "" });
    expect(foreign.stderr).toBe("gazette: the store data/gazette.sqlite is a SQLite database but not a Gazette store (tables photos); point GAZETTE_DATA_DIR at the project's data folder\n");
    expect(foreign.code).toBe(1);
    const check = new Database(p.db, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: "photos" }]);
    check.close();
  });
});

describe("a read-only data folder", () => {
  // Root ignores permission bits, so as root the CLI runs as the unprivileged
  // user nobody (setpriv); as anyone else the folder's mode is enough.
  const asUser = process.getuid?.() === 0 ? "exec setpriv --reuid=65534 --regid=65534 --clear-groups" : "";

  it("lets --dry-run look without writing anything, and a send say the folder is read-only", async () => {
    const server = await smtp();
    const p = await sendProject(readers(3));
    const data = path.dirname(p.db);
    chmodSync(p.root, 0o755);
    for (const f of readdirSync(data)) chmodSync(path.join(data, f), 0o644);
    chmodSync(data, 0o555);
    closers.push(async () => chmodSync(data, 0o755));
    const run = (args: string[]) => runSend(p.root, env(server.url), args, asUser ? `${asUser} -- "$@"` : undefined);
    const before = readdirSync(data).sort();
    const dry = await run(["--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toContain("recipients: 3 confirmed subscribers still to receive it");
    expect(dry.stdout).toContain("dry run: nothing was sent.");
    expect(dry.code).toBe(0);
    const sent = await run([]);
    expect(sent.stderr).toBe("gazette: the data folder data/ is read-only to this process (EACCES): gazette send writes its lock and ledger there; give it write access (gazette send --dry-run needs none)\n");
    expect(sent.code).toBe(1);
    expect(readdirSync(data).sort()).toEqual(before);
    expect(server.accepted).toHaveLength(0);
  });
});
