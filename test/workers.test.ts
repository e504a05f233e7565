import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { createTestDatabase } from "./helpers/postgres.ts";
import { CLI } from "./helpers/processes.ts";
import { makeProject } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

// Several send workers on one PostgreSQL database, as separate processes
// (as they would be on separate machines), into a real SMTP server.

const SECRET = "workers-test-secret";

function gazette(root: string, env: NodeJS.ProcessEnv, args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, GAZETTE_SECRET: SECRET, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  return { child, done: new Promise((resolve) => child.on("exit", (code) => resolve({ code, out }))) };
}

async function projectWith(subscribers: number): Promise<{ root: string; url: string }> {
  const root = await makeProject("issue-36");
  await build({ root });
  const url = await createTestDatabase();
  const store = await PostgresStore.open(url);
  await store.importSubscribers(Array.from({ length: subscribers }, (_, i) => ({ email: `reader${i + 1}@example.org` })));
  await store.close();
  return { root, url };
}

describe("three send workers on PostgreSQL", () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  beforeAll(async () => {
    smtp = await startSmtpServer({ delayMs: 5, discardBodies: true });
  });
  afterAll(async () => smtp.close());

  it("send issue 36 to 3,000 readers with one SIGKILLed mid-send: nobody lost, doubles only among its messages in flight", async () => {
    const { root, url } = await projectWith(3000);
    // Quick retries: a connection the busy relay drops is retried at once rather than left deferred.
    const env = { DATABASE_URL: url, SMTP_URL: smtp.url, SMTP_POOL_SIZE: "3", GAZETTE_LEASE_SECONDS: "5", GAZETTE_RETRY_BASE_MS: "50" };
    const inFlight = 3; // SMTP_POOL_SIZE messages in flight per worker
    const coordinator = gazette(root, env, ["send", "36", "--yes"]);
    // The campaign is running once the coordinator has frozen its recipients; workers join it.
    const store = await PostgresStore.open(url);
    for (let i = 0; i < 600 && !(await store.runningCampaigns()).includes(36); i++) await new Promise((r) => setTimeout(r, 50));
    const victim = gazette(root, env, ["worker"]);
    const survivor = gazette(root, env, ["worker"]);
    // Kill the victim once it has sent some of its share.
    const victimPid = victim.child.pid!;
    for (let i = 0; i < 2000; i++) {
      const holders = await store.leaseHolders(36);
      const accepted = (await store.countByState(36)).accepted ?? 0;
      if (accepted >= 600 && holders.some((h) => h.split(":")[1] === String(victimPid))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    victim.child.kill("SIGKILL");
    const [first, , second] = await Promise.all([coordinator.done, victim.done, survivor.done]);
    const uncertain = new Set((await store.deliveries(36, "uncertain")).map((d) => d.email));
    // The victim's messages in flight are uncertain: the send did not finish, and says so (75).
    expect(first.code, first.out).toBe(uncertain.size > 0 ? 75 : 0);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/#36: this worker sent [1-9]\d*/);

    expect(uncertain.size).toBeLessThanOrEqual(inFlight);
    expect(await store.deliveries(36, "sending")).toEqual([]);
    expect(await store.deliveries(36, "queued")).toEqual([]);
    // The coordinator's report counts every worker's messages, not only its own.
    const accepted = (await store.countByState(36)).accepted ?? 0;
    expect(first.out).toContain(`sent ${accepted}, failed 0`);
    const counts = smtp.countsByRecipient();
    for (let i = 1; i <= 3000; i++) {
      const email = `reader${i}@example.org`;
      if (uncertain.has(email)) expect(counts.get(email) ?? 0, email).toBeLessThanOrEqual(1);
      else expect(counts.get(email), email).toBe(1);
    }

    // A rerun sends nothing; --resend-uncertain sends the uncertain ones, and only they can arrive twice.
    const before = smtp.accepted.length;
    const rerun = await gazette(root, env, ["send", "36", "--yes"]).done;
    expect(rerun.out).toContain("nothing to send.");
    expect(smtp.accepted.length).toBe(before);
    const resent = await gazette(root, env, ["send", "36", "--yes", "--resend-uncertain"]).done;
    expect(resent.code, resent.out).toBe(0);
    expect(smtp.accepted.length).toBe(before + uncertain.size);
    expect(await store.countByState(36)).toEqual({ accepted: 3000 });
    const doubled = [...smtp.countsByRecipient()].filter(([, n]) => n > 1);
    expect(doubled.length).toBeLessThanOrEqual(inFlight);
    for (const [email, n] of doubled) {
      expect(uncertain.has(email), email).toBe(true);
      expect(n).toBe(2);
    }
    await store.close();
  }, 300_000);

  it("keeps SMTP_RATE=50 for the three together: the relay never sees more than 50 in a second", async () => {
    const relay = await startSmtpServer({ discardBodies: true });
    try {
      const { root, url } = await projectWith(250);
      const started = Date.now();
      const { code, out } = await gazette(root, { DATABASE_URL: url, SMTP_URL: relay.url, SMTP_RATE: "50", SMTP_POOL_SIZE: "4" }, ["send", "36", "--yes", "--workers", "3"]).done;
      expect(code, out).toBe(0);
      expect(out).toContain("3 workers");
      expect(out).toMatch(/sent 250, failed 0/);
      const times = relay.accepted.map((m) => m.at).sort((a, b) => a - b);
      expect(times.length).toBe(250);
      // Each second from the first arrival. (Not a window at every arrival: this
      // process is the relay, and on a busy machine its own pauses bunch the
      // arrival times it records by more than the senders ever do.)
      const perSecond = new Map<number, number>();
      for (const t of times) perSecond.set(Math.floor((t - times[0]!) / 1000), (perSecond.get(Math.floor((t - times[0]!) / 1000)) ?? 0) + 1);
      expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(50);
      expect(perSecond.size).toBeGreaterThanOrEqual(5);
      // And the limit is what paced it: 250 at 50 a second take about five seconds, not one.
      expect(times.at(-1)! - times[0]!).toBeGreaterThan(4000);
      expect(Date.now() - started).toBeGreaterThan(4000);
    } finally {
      await relay.close();
    }
  }, 120_000);
});
