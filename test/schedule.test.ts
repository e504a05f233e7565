import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { readConfig } from "../src/config.ts";
import { createScheduledSend, emailHash } from "../src/cli/schedule.ts";
import { readBuiltEmail } from "../src/cli/send-run.ts";
import { Scheduler } from "../src/send/scheduler.ts";
import { formatSendTime, parseSendTime } from "../src/send/send-time.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../src/store/store.ts";
import { makeProject } from "./helpers/project.ts";
import { createTestDatabase } from "./helpers/postgres.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

const DUE = new Date("2022-01-24T01:00:00Z"); // 09:00 in Beijing
const MINUTE = 60_000;

describe("gazette send N --at: the time", () => {
  const now = new Date("2022-01-23T12:00:00Z");
  it("reads an RFC 3339 time, or a bare local time at the newsletter's utc_offset", () => {
    expect(parseSendTime("2022-01-24T09:00+08:00", "+08:00", now)).toEqual({ ok: true, at: DUE });
    expect(parseSendTime("2022-01-24T09:00", "+08:00", now)).toEqual({ ok: true, at: DUE });
    expect(parseSendTime("2022-01-24 09:00:00", "+08:00", now)).toEqual({ ok: true, at: DUE });
    expect(parseSendTime("2022-01-24T01:00Z", "+08:00", now)).toEqual({ ok: true, at: DUE });
    expect(formatSendTime(DUE, "+08:00")).toBe("2022-01-24 09:00 +08:00");
  });

  it("refuses a time that does not parse, does not exist, or has passed, saying what it expected", () => {
    expect(parseSendTime("next monday", "+08:00", now)).toEqual({ ok: false, expected: `expected a time such as 2022-01-24T09:00+08:00, or 2022-01-24T09:00 at the newsletter's utc_offset (+08:00); received "next monday"` });
    expect(parseSendTime("2022-02-30T09:00", "+08:00", now)).toEqual({ ok: false, expected: 'expected a time that exists; received "2022-02-30T09:00"' });
    expect(parseSendTime("2022-01-23T09:00", "+08:00", now)).toEqual({ ok: false, expected: "expected a time in the future; 2022-01-23 09:00 +08:00 has passed (now 2022-01-23 20:00 +08:00)" });
  });
});

/** Issue 36 built, three confirmed readers, an SMTP server, and what firing a schedule needs. */
async function setUp(open: (root: string) => Promise<Store>) {
  const smtp = await startSmtpServer();
  const root = await makeProject("issue-36");
  await build({ root });
  const store = await open(root);
  for (const email of ["a@example.org", "b@example.org", "c@example.org"]) await store.addSubscriber({ email });
  const config = readConfig({ SMTP_URL: smtp.url, SMTP_POOL_SIZE: "2", GAZETTE_RETRY_BASE_MS: "5" });
  const log: string[] = [];
  let clock = new Date(DUE.getTime() - 10 * MINUTE);
  const scheduler = (s: Store, worker = "test") =>
    new Scheduler({ store: s.schedules, worker, now: () => clock, overdueMs: 60 * MINUTE, fire: createScheduledSend({ root, config, store: s, log: (l) => log.push(l) }), log: (l) => log.push(l) });
  const schedule = async () => store.schedules.scheduleSend(36, DUE, emailHash(await readBuiltEmail(root, 36)), clock);
  return { smtp, root, store, log, scheduler, schedule, setClock: (d: Date) => void (clock = d) };
}

const databases = new Map<string, string>();
const BACKENDS: { name: string; open: (root: string) => Promise<Store>; again: (root: string) => Promise<Store> }[] = [
  { name: "SQLite", open: async (root) => new SqliteStore(path.join(root, "data/gazette.sqlite")), again: async (root) => new SqliteStore(path.join(root, "data/gazette.sqlite")) },
  {
    name: "PostgreSQL",
    open: async (root) => {
      databases.set(root, await createTestDatabase());
      return PostgresStore.open(databases.get(root)!);
    },
    again: (root) => PostgresStore.open(databases.get(root)!),
  },
];

describe.each(BACKENDS)("scheduled sends on $name, with an injected clock", ({ open, again }) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.splice(0)) await c();
  });
  const fresh = async () => {
    const t = await setUp(open);
    cleanup.push(() => t.store.close(), () => t.smtp.close());
    return t;
  };

  it("sends on time, not before, through the ledger, once", async () => {
    const t = await fresh();
    await t.schedule();
    const s = t.scheduler(t.store);
    await s.tick();
    expect(t.smtp.accepted).toHaveLength(0);
    t.setClock(new Date(DUE.getTime() + 1000));
    await s.tick();
    expect([...t.smtp.countsByRecipient().values()]).toEqual([1, 1, 1]);
    expect(await t.store.countByState(36)).toEqual({ accepted: 3 });
    expect(await t.store.schedules.getSchedule(36)).toMatchObject({ state: "sent", claimedBy: "test", detail: "sent 3, failed 0, skipped 0, deferred 0, uncertain 0" });
    await s.tick();
    expect(t.smtp.accepted).toHaveLength(3);
    expect(t.log).toEqual(["scheduled send of #36 (due 2022-01-24T01:00:00.000Z): sending now", "scheduled send of #36: sent 3, failed 0, skipped 0, deferred 0, uncertain 0"]);
  });

  it("is sent once when two processes watch the same store and tick together", async () => {
    const t = await fresh();
    await t.schedule();
    const other = await again(t.root);
    cleanup.push(() => other.close());
    t.setClock(new Date(DUE.getTime() + 1000));
    await Promise.all([t.scheduler(t.store, "one").tick(), t.scheduler(other, "two").tick()]);
    expect([...t.smtp.countsByRecipient().values()]).toEqual([1, 1, 1]);
    expect(t.log.filter((l) => l.endsWith("sending now"))).toHaveLength(1);
  });

  it("does not fire a schedule found more than an hour late: it waits, and says how to send it", async () => {
    const t = await fresh();
    await t.schedule();
    t.setClock(new Date(DUE.getTime() + 61 * MINUTE));
    const s = t.scheduler(t.store);
    await s.tick();
    await s.tick();
    expect(t.smtp.accepted).toHaveLength(0);
    const overdue = "due 2022-01-24T01:00:00.000Z, found 61 minutes late (was the server down?): not sent on its own; run gazette send 36 to send it now, or gazette schedule cancel 36";
    expect(await t.store.schedules.getSchedule(36)).toMatchObject({ state: "overdue", detail: overdue });
    expect(t.log).toEqual([`scheduled send of #36 is overdue: ${overdue}`]);
  });

  it("sends nothing once cancelled", async () => {
    const t = await fresh();
    await t.schedule();
    expect(await t.store.schedules.moveSchedule(36, ["scheduled", "overdue"], "cancelled", { now: DUE })).toBe(true);
    t.setClock(new Date(DUE.getTime() + 1000));
    await t.scheduler(t.store).tick();
    expect(t.smtp.accepted).toHaveLength(0);
    expect(t.log).toEqual([]);
  });

  it("sends the new build when the issue changed after it was scheduled, and says so", async () => {
    const t = await fresh();
    await t.schedule();
    const file = path.join(t.root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("title: 谷歌提出梯度最大化增长方法GradMax", "title: 更正后的标题"));
    t.setClock(new Date(DUE.getTime() + 1000));
    await t.scheduler(t.store).tick();
    expect(t.smtp.accepted).toHaveLength(3);
    expect((await simpleParser(t.smtp.accepted[0]!.raw)).subject).toContain("更正后的标题");
    expect(t.log).toContain("scheduled send of #36: its email changed since it was scheduled; sending the new build (" + (await readBuiltEmail(t.root, 36)).meta.subject + ")");
  });

  it("fails and sends nothing when the last issue sent is past the complaint guard rail", async () => {
    const t = await fresh();
    // Issue 35 went to all three, and one of them pressed "spam": 33 % complaints.
    await t.store.startCampaign(35, { resendUncertain: false });
    const readers = await t.store.claimRecipients(35, "earlier", { limit: 10, leaseMs: 60_000 });
    for (const r of readers) await t.store.beginAttempt(35, r.id, `<issue35.${r.id}@example.org>`, "earlier");
    await t.store.recordOutcomes(readers.map((r) => ({ issue: 35, subscriberId: r.id, state: "accepted" as const, detail: "250 ok" })));
    const complaint = { key: "arf:1", source: "import" as const, kind: "complaint" as const, subscriberId: readers[0]!.id, issue: 35, providerId: null, statusCode: null, diagnostic: null, receivedAt: new Date() };
    expect(await t.store.feedback.recordFeedback(complaint, { softBounceLimit: 3 })).toMatchObject({ effect: "complained" });
    await t.schedule();
    t.setClock(new Date(DUE.getTime() + 1000));
    await t.scheduler(t.store).tick();
    expect(t.smtp.accepted).toHaveLength(0);
    expect(await t.store.schedules.getSchedule(36)).toMatchObject({
      state: "failed",
      detail: "not sent: issue #35's complaint rate 33.3 % (1 of 3) is at or above 0.3 %; see gazette report, then send it with gazette send 36 --force if you mean to",
    });
  });

  it("fails loudly and sends nothing when the issue no longer builds", async () => {
    const t = await fresh();
    await t.schedule();
    const file = path.join(t.root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("date: 2022-01-17", "date: 2022-02-30"));
    t.setClock(new Date(DUE.getTime() + 1000));
    await t.scheduler(t.store).tick();
    expect(t.smtp.accepted).toHaveLength(0);
    const schedule = await t.store.schedules.getSchedule(36);
    expect(schedule?.state).toBe("failed");
    expect(schedule?.detail).toMatch(/^the project no longer builds, so nothing was sent: content\/issues\/036\.md: 1 problem; line 3 +date: expected a day that exists/);
    expect(t.log.at(-1)).toMatch(/^SCHEDULED SEND OF #36 FAILED, nothing was sent: the project no longer builds/);
  });
});

describe("schedules on PostgreSQL", () => {
  it("are claimed by exactly one of several processes", async () => {
    const url = await createTestDatabase();
    const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
    try {
      await stores[0]!.schedules.scheduleSend(36, DUE, "hash", new Date(DUE.getTime() - MINUTE));
      const now = new Date(DUE.getTime() + 1000);
      expect((await stores[1]!.schedules.dueSchedules(now)).map((s) => s.issue)).toEqual([36]);
      const wins = await Promise.all(stores.map((s, i) => s.schedules.moveSchedule(36, ["scheduled"], "firing", { now, by: `w${i}`, dueBy: now })));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await stores[2]!.schedules.getSchedule(36)).toMatchObject({ state: "firing", dueAt: DUE.toISOString(), emailHash: "hash" });
      expect(await stores[0]!.schedules.dueSchedules(now)).toEqual([]);
      // Not yet due: not claimable.
      await stores[0]!.schedules.scheduleSend(37, new Date(now.getTime() + MINUTE), "h", now);
      expect(await stores[0]!.schedules.moveSchedule(37, ["scheduled"], "firing", { now, by: "w0", dueBy: now })).toBe(false);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
