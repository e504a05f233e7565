import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { StoreError, type Store } from "../src/store/store.ts";
import { tempDir } from "./helpers/project.ts";
import { createTestDatabase } from "./helpers/postgres.ts";

// The store's contract, run against every backend: the same calls, the
// same answers, on a real SQLite file and a real PostgreSQL database (a new
// one per test, in the run's throwaway cluster).

const BACKENDS: { name: string; open: () => Promise<Store> }[] = [
  { name: "SQLite", open: async () => new SqliteStore(path.join(await tempDir(), "data/gazette.sqlite")) },
  { name: "PostgreSQL", open: async () => PostgresStore.open(await createTestDatabase()) },
];

const HOUR = 3600_000;
const throttle = { minIntervalMs: 10 * 60_000, maxPerDay: 3 };

describe.each(BACKENDS)("the $name store", ({ open }) => {
  const opened: Store[] = [];
  const fresh = async () => {
    const store = await open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it("keeps addresses unique, and counts and pages by status", async () => {
    const store = await fresh();
    const a = await store.addSubscriber({ email: "a@example.org", name: "读者 A" });
    await store.addSubscriber({ email: "b@example.org", status: "pending" });
    await expect(store.addSubscriber({ email: "a@example.org" })).rejects.toMatchObject({ code: "DUPLICATE", message: "a@example.org is already a subscriber" });
    expect(a).toMatchObject({ email: "a@example.org", name: "读者 A", status: "confirmed", source: null });
    expect(a.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await store.countSubscribers()).toBe(2);
    expect(await store.countSubscribers("pending")).toBe(1);
    for (let i = 0; i < 7; i++) await store.addSubscriber({ email: `p${i}@example.org` });
    const first = await store.listSubscribers({ status: "confirmed", limit: 3 });
    const second = await store.listSubscribers({ status: "confirmed", afterId: first.at(-1)!.id, limit: 100 });
    expect([...first, ...second].map((s) => s.email)).toEqual(["a@example.org", ...Array.from({ length: 7 }, (_, i) => `p${i}@example.org`)]);
    expect((await store.listSubscribers({ limit: 100 })).length).toBe(9);
    expect(await store.findSubscriber("a@example.org")).toEqual(a);
    expect(await store.getSubscriber(a.id)).toEqual(a);
    expect(await store.findSubscriber("nobody@example.org")).toBeUndefined();
  });

  it("imports in one go, leaving present addresses as they were", async () => {
    const store = await fresh();
    await store.addSubscriber({ email: "old@example.org", status: "unsubscribed" });
    expect(await store.importSubscribers([{ email: "old@example.org" }, { email: "new@example.org", name: "New", source: "import:x.csv" }])).toEqual({ added: 1, existing: 1 });
    expect((await store.findSubscriber("old@example.org"))!.status).toBe("unsubscribed");
    expect(await store.findSubscriber("new@example.org")).toMatchObject({ name: "New", source: "import:x.csv", status: "confirmed" });
  });

  it("imports from a stream in one transaction: a stream that fails part-way adds nothing", async () => {
    const store = await fresh();
    async function* rows(failAfter?: number) {
      for (let i = 0; i < 5; i++) {
        if (i === failAfter) throw new Error("the file changed while it was imported");
        yield { email: `s${i}@example.org`, source: "import:x.csv" };
      }
    }
    await expect(store.importSubscribers(rows(3))).rejects.toThrow("the file changed while it was imported");
    expect(await store.countSubscribers()).toBe(0);
    expect(await store.importSubscribers(rows())).toEqual({ added: 5, existing: 0 });
    expect(await store.importSubscribers(rows())).toEqual({ added: 0, existing: 5 });
  });

  it("removes a subscriber with their deliveries, and says when there is none", async () => {
    const store = await fresh();
    const s = await store.addSubscriber({ email: "gone@example.org" });
    await store.startCampaign(36, { resendUncertain: false });
    expect(await store.claimRecipients(36, "w", { limit: 1, leaseMs: 60_000 })).toHaveLength(1);
    expect(await store.beginAttempt(36, s.id, "<m@x>", "w")).toBe("sending");
    expect(await store.removeSubscriber("gone@example.org")).toBe(true);
    expect(await store.removeSubscriber("gone@example.org")).toBe(false);
    expect(await store.deliveries(36)).toEqual([]);
  });

  it("sets a status, and refuses an unknown id", async () => {
    const store = await fresh();
    const s = await store.addSubscriber({ email: "s@example.org" });
    await store.setStatus(s.id, "bounced");
    expect((await store.getSubscriber(s.id))!.status).toBe("bounced");
    await expect(store.setStatus(999_999, "confirmed")).rejects.toBeInstanceOf(StoreError);
  });

  it("adds a signup as pending with a nonce and one queued mail, and throttles mails per address", async () => {
    const store = await fresh();
    const t0 = new Date("2026-11-29T08:00:00Z");
    const first = await store.requestSignup("new@example.org", { source: "web", now: t0, throttle });
    expect(first).toMatchObject({ mailQueued: true, subscriber: { email: "new@example.org", status: "pending", source: "web" } });
    const target = (await store.confirmTarget(first.subscriber.id))!;
    expect(target).toMatchObject({ id: first.subscriber.id, email: "new@example.org" });
    expect(target.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Within ten minutes: no second mail; after: one more; at most three a day.
    expect((await store.requestSignup("new@example.org", { source: "web", now: new Date(t0.getTime() + 60_000), throttle })).mailQueued).toBe(false);
    expect((await store.requestSignup("new@example.org", { source: "web", now: new Date(t0.getTime() + 11 * 60_000), throttle })).mailQueued).toBe(true);
    expect((await store.requestSignup("new@example.org", { source: "web", now: new Date(t0.getTime() + 22 * 60_000), throttle })).mailQueued).toBe(true);
    expect((await store.requestSignup("new@example.org", { source: "web", now: new Date(t0.getTime() + 33 * 60_000), throttle })).mailQueued).toBe(false);
    expect((await store.requestSignup("new@example.org", { source: "web", now: new Date(t0.getTime() + 25 * HOUR), throttle })).mailQueued).toBe(true);
    // The nonce is kept across repeated signups, so links already mailed keep working.
    expect((await store.confirmTarget(first.subscriber.id))!.nonce).toBe(target.nonce);
    const mails = await store.confirmationMails(first.subscriber.id);
    expect(mails.map((m) => m.state)).toEqual(["queued", "queued", "queued", "queued"]);
    expect(mails[0]!.requestedAt).toBe(t0.toISOString());
  });

  it("queues no mail for confirmed, bounced or complained addresses", async () => {
    const store = await fresh();
    for (const status of ["confirmed", "bounced", "complained"] as const) {
      const s = await store.addSubscriber({ email: `${status}@example.org`, status });
      const decision = await store.requestSignup(s.email, { source: "web", now: new Date(), throttle });
      expect(decision).toMatchObject({ mailQueued: false, subscriber: { id: s.id, status } });
      expect(await store.confirmationMails(s.id)).toEqual([]);
    }
  });

  it("hands each queued confirmation mail to one server, oldest first, with what sending needs, and records its outcome", async () => {
    const store = await fresh();
    const now = new Date("2026-11-29T08:00:00Z");
    const a = await store.requestSignup("a@example.org", { source: "web", now, throttle });
    const b = await store.requestSignup("b@example.org", { source: "web", now, throttle });
    // Two servers: each mail is claimed by one of them.
    const queued = await store.claimConfirmations("server-a", 1, 60_000);
    expect(queued.map((q) => q.subscriber.email)).toEqual(["a@example.org"]);
    expect(queued[0]).toMatchObject({ requestedAt: now.toISOString(), subscriber: { id: a.subscriber.id, status: "pending" }, nonce: (await store.confirmTarget(a.subscriber.id))!.nonce });
    const other = await store.claimConfirmations("server-b", 10, 60_000);
    expect(other.map((q) => q.subscriber.id)).toEqual([b.subscriber.id]);
    expect(await store.claimConfirmations("server-c", 10, 60_000)).toEqual([]);
    // A server that stops gives its unsent claims back.
    await store.releaseConfirmations("server-b");
    expect((await store.claimConfirmations("server-c", 10, 60_000)).map((q) => q.subscriber.id)).toEqual([b.subscriber.id]);
    queued.push(...other);
    // Outcomes are recorded many in one commit.
    await store.recordConfirmationMails([
      { mailId: queued[0]!.mailId, state: "sent", detail: "250 ok", at: now },
      { mailId: queued[1]!.mailId, state: "failed", detail: `550 ${"x".repeat(2000)}`, at: now },
    ]);
    await store.releaseConfirmations("server-c");
    expect(await store.claimConfirmations("server-d", 10, 60_000)).toEqual([]);
    expect(await store.confirmationMails(a.subscriber.id)).toMatchObject([{ state: "sent", detail: "250 ok" }]);
    expect((await store.confirmationMails(b.subscriber.id))[0]!.detail!.length).toBe(1000);
  });

  it("confirms only with the current nonce, once; unsubscribing drops the nonce; resubscribing works within the window", async () => {
    const store = await fresh();
    const now = new Date("2026-11-29T08:00:00Z");
    const { subscriber } = await store.requestSignup("c@example.org", { source: "web", now, throttle });
    const nonce = (await store.confirmTarget(subscriber.id))!.nonce!;
    expect(await store.confirmSubscriber(subscriber.id, "not-the-nonce", now)).toBe("stale");
    expect(await store.confirmSubscriber(subscriber.id, nonce, now)).toBe("confirmed");
    expect(await store.confirmSubscriber(subscriber.id, nonce, now)).toBe("already");
    expect((await store.getSubscriber(subscriber.id))!.status).toBe("confirmed");
    expect(await store.unsubscribe(subscriber.id, now)).toBe(true);
    expect(await store.unsubscribe(subscriber.id, now)).toBe(false);
    expect((await store.confirmTarget(subscriber.id))!.nonce).toBeNull();
    expect(await store.confirmSubscriber(subscriber.id, nonce, now)).toBe("stale");
    expect(await store.resubscribe(subscriber.id, new Date(now.getTime() + HOUR), new Date(now.getTime() + 2 * HOUR))).toBe(false);
    expect(await store.resubscribe(subscriber.id, new Date(now.getTime() - HOUR), new Date(now.getTime() + HOUR))).toBe(true);
    expect((await store.getSubscriber(subscriber.id))!.status).toBe("confirmed");
    // A bounced subscriber stays so.
    await store.setStatus(subscriber.id, "bounced");
    expect(await store.unsubscribe(subscriber.id, now)).toBe(false);
    // An unsubscribed address signing up again gets a fresh nonce and a mail.
    const other = await store.addSubscriber({ email: "u@example.org", status: "unsubscribed" });
    expect(await store.requestSignup("u@example.org", { source: "web", now, throttle })).toMatchObject({ mailQueued: true });
    expect((await store.confirmTarget(other.id))!.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await store.confirmTarget(999_999)).toBeUndefined();
  });

  it("freezes a campaign's recipients, lets workers claim them without overlap, and records every step", async () => {
    const store = await fresh();
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await store.addSubscriber({ email: `r${i}@example.org` })).id);
    await store.addSubscriber({ email: "pending@example.org", status: "pending" });
    const [r1, r2, r3, r4, r5] = ids as [number, number, number, number, number];
    expect(await store.countOwed(36, false)).toBe(5);
    expect(await store.runningCampaigns()).toEqual([]);
    expect(await store.startCampaign(36, { resendUncertain: false })).toBe(5);
    expect(await store.runningCampaigns()).toEqual([36]);
    expect(await store.countByState(36)).toEqual({ queued: 5 });
    // Someone confirmed after the start is not in this run; a rerun adds them.
    const late = await store.addSubscriber({ email: "late@example.org" });

    const a = await store.claimRecipients(36, "host:1:a", { limit: 2, leaseMs: 60_000 });
    const b = await store.claimRecipients(36, "host:2:b", { limit: 10, leaseMs: 60_000 });
    expect(a.map((s) => s.id)).toEqual([r1, r2]);
    expect(b.map((s) => s.id)).toEqual([r3, r4, r5]);
    expect(b[0]).toMatchObject({ email: "r3@example.org", status: "confirmed" });
    expect(await store.claimRecipients(36, "host:3:c", { limit: 10, leaseMs: 60_000 })).toEqual([]);
    expect((await store.leaseHolders(36)).sort()).toEqual(["host:1:a", "host:2:b"]);

    expect(await store.beginAttempt(36, r1, "<1@x>", "host:1:a")).toBe("sending");
    // Only the holder may begin a row.
    expect(await store.beginAttempt(36, r2, "<2@x>", "host:2:b")).toBe("lost");
    expect(await store.beginAttempt(36, r2, "<2@x>", "host:1:a", [{ issue: 36, subscriberId: r1, state: "accepted", detail: "250 queued" }])).toBe("sending");
    // A retry keeps its lease through the back-off; giving up ends it.
    await store.recordOutcomes([{ issue: 36, subscriberId: r2, state: "deferred", detail: "451 4.3.0: later", retrying: true }]);
    expect(await store.beginAttempt(36, r2, "<2@x>", "host:1:a")).toBe("sending");
    await store.recordOutcomes([{ issue: 36, subscriberId: r2, state: "rejected", detail: "550 5.1.1: no such user" }]);
    await store.setStatus(r3, "unsubscribed");
    expect(await store.beginAttempt(36, r3, "<3@x>", "host:2:b")).toBe("skipped");
    expect(await store.beginAttempt(36, r4, "<4@x>", "host:2:b")).toBe("sending");

    expect((await store.deliveries(36)).map((d) => [d.email, d.state, d.attempts])).toEqual([
      ["r1@example.org", "accepted", 1],
      ["r2@example.org", "rejected", 2],
      ["r3@example.org", "skipped", 0],
      ["r4@example.org", "sending", 1],
      ["r5@example.org", "queued", 0],
    ]);
    expect((await store.deliveries(36, "accepted"))[0]).toMatchObject({ subscriberId: r1, messageId: "<1@x>", response: "250 queued", error: null });
    expect((await store.deliveries(36, "rejected"))[0]).toMatchObject({ error: "550 5.1.1: no such user", messageId: "<2@x>" });
    expect(await store.outcomesSince(36, new Date(Date.now() - 60_000))).toEqual({ failures: { "550 5.1.1": 1 }, bounced: 0 });
    expect(await store.finishCampaign(36)).toBe(false);

    // Worker b dies: its 'sending' row becomes uncertain, its unbegun claim is free again.
    expect(await store.expireLeases(36, ["host:2:b"])).toBe(1);
    expect(await store.leaseHolders(36)).toEqual([]);
    expect(await store.countByState(36)).toEqual({ accepted: 1, rejected: 1, skipped: 1, uncertain: 1, queued: 1 });
    expect((await store.claimRecipients(36, "host:3:c", { limit: 10, leaseMs: 60_000 })).map((s) => s.id)).toEqual([r5]);
    await store.releaseLeases("host:3:c");
    expect(await store.countOwed(36, false)).toBe(2); // r5 and late
    expect(await store.countOwed(36, true)).toBe(3);

    // A rerun adds the late subscriber, and the uncertain one only when asked.
    expect(await store.startCampaign(36, { resendUncertain: false })).toBe(2);
    expect(await store.startCampaign(36, { resendUncertain: true })).toBe(3);
    expect((await store.claimRecipients(36, "host:4:d", { limit: 10, leaseMs: 60_000 })).map((s) => s.id)).toEqual([r4, r5, late.id]);
    // Another issue has its own ledger.
    expect(await store.countOwed(37, false)).toBe(5);
  });

  it("lets a lease run out: an expired 'sending' row becomes uncertain, an expired claim is claimable", async () => {
    const store = await fresh();
    const a = await store.addSubscriber({ email: "a@example.org" });
    const b = await store.addSubscriber({ email: "b@example.org" });
    await store.startCampaign(36, { resendUncertain: false });
    expect((await store.claimRecipients(36, "w1", { limit: 10, leaseMs: 50 })).length).toBe(2);
    expect(await store.beginAttempt(36, a.id, "<a@x>", "w1")).toBe("sending");
    expect(await store.expireLeases(36)).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(await store.expireLeases(36)).toBe(1);
    expect((await store.claimRecipients(36, "w2", { limit: 10, leaseMs: 60_000 })).map((s) => s.id)).toEqual([b.id]);
    expect(await store.beginAttempt(36, b.id, "<b@x>", "w1")).toBe("lost");
    expect(await store.renewLeases("w2", 60_000)).toBe(1);
    await store.recordOutcomes([{ issue: 36, subscriberId: b.id, state: "accepted", detail: "250 ok" }]);
    expect(await store.finishCampaign(36)).toBe(true);
    expect(await store.runningCampaigns()).toEqual([]);
  });

  it("spaces send slots by one over the rate, for every caller together", async () => {
    const store = await fresh();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push(await store.takeSendSlot(20));
    // 20 a second: slots 50 ms apart, however fast they are asked for.
    expect(waits[0]).toBeLessThan(5);
    expect(waits[4]!).toBeGreaterThan(150);
    expect(waits[4]!).toBeLessThanOrEqual(200);
  });

  it("counts clicks per issue, link and day, summing the days, with concurrent clicks all counted", async () => {
    const store = await fresh();
    const day1 = new Date("2022-01-17T23:59:00Z");
    const day2 = new Date("2022-01-18T00:01:00Z");
    await store.schedules.countClick(36, 3, day1);
    await Promise.all(Array.from({ length: 10 }, () => store.schedules.countClick(36, 3, day2)));
    await store.schedules.countClick(36, 1, day2);
    await store.schedules.countClick(37, 3, day2);
    expect(Object.fromEntries(await store.schedules.clicksByLink(36))).toEqual({ 1: 1, 3: 11 });
    expect(Object.fromEntries(await store.schedules.clicksByLink(37))).toEqual({ 3: 1 });
    expect((await store.schedules.clicksByLink(38)).size).toBe(0);
  });
});
