import { afterEach, describe, expect, it } from "vitest";
import type { FeedbackKind } from "../src/model/feedback.ts";
import { guardRail, renderReportTable, withRates } from "../src/feedback/report.ts";
import type { Store } from "../src/store/store.ts";
import { BACKENDS, deliver, feedbackStore } from "./helpers/feedback.ts";

let n = 0;
const event = (subscriberId: number, kind: FeedbackKind, issue: number | null = 36) => ({
  key: `test:${++n}`,
  source: "generic" as const,
  kind,
  subscriberId,
  issue,
  providerId: null,
  statusCode: kind === "hard_bounce" ? "5.1.1" : kind === "soft_bounce" ? "4.2.2" : null,
  diagnostic: null,
  receivedAt: new Date(),
});

describe.each(BACKENDS)("feedback events in the $name store", ({ open }) => {
  const opened: Store[] = [];
  const fresh = async (options: Parameters<typeof feedbackStore>[0] = {}) => {
    const made = await feedbackStore({ ...options, open });
    opened.push(made.store);
    return made;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it("a hard bounce bounces at once; a complaint complains; neither is undone by a later unsubscribe or bounce", async () => {
    const { store } = await fresh();
    const policy = { softBounceLimit: 3 };
    expect(await store.feedback.recordFeedback(event(1, "hard_bounce"), policy)).toMatchObject({ recorded: true, effect: "bounced" });
    expect(await store.feedback.recordFeedback(event(2, "complaint"), policy)).toMatchObject({ recorded: true, effect: "complained" });
    expect(await store.feedback.recordFeedback(event(2, "hard_bounce"), policy)).toMatchObject({ recorded: true, effect: "none" });
    expect(await store.feedback.recordFeedback(event(1, "unsubscribe"), policy)).toMatchObject({ recorded: true, effect: "none" });
    expect((await store.findSubscriber("reader1@example.org"))!.status).toBe("bounced");
    expect((await store.findSubscriber("reader2@example.org"))!.status).toBe("complained");
    // Bounced and complained readers are owed nothing more.
    expect(await store.countOwed(37, false)).toBe(3);
  });

  it("the same key twice is recorded once", async () => {
    const { store } = await fresh();
    const e = event(3, "complaint");
    expect((await store.feedback.recordFeedback(e, { softBounceLimit: 3 })).recorded).toBe(true);
    expect(await store.feedback.recordFeedback({ ...e, kind: "hard_bounce" }, { softBounceLimit: 3 })).toEqual({ recorded: false, reason: "duplicate" });
    expect(await store.feedback.feedbackEvents({ subscriberId: 3 })).toHaveLength(1);
  });

  it("soft bounces bounce only at the limit, counting issues in a row with no delivery between", async () => {
    const { store, secret } = await fresh({ issues: [] });
    const policy = { softBounceLimit: 3 };
    // In a row means by issue, whatever order the reports arrive in.
    const soft = (id: number, issue: number, limit = policy) => store.feedback.recordFeedback(event(id, "soft_bounce", issue), limit);
    const send = async (issue: number, ids: number[]) => deliver(store, secret, issue, ids);
    const status = async (id: number) => (await store.getSubscriber(id))!.status;
    // Reader 1: issues 36, 37 and 38 soft-bounce: bounced at the third.
    await send(36, [1, 2, 3]);
    await soft(1, 36);
    await soft(1, 36); // the same issue reported twice (a relay's second notice) is one in the row
    await send(37, [1, 2, 3]);
    await soft(1, 37);
    expect(await status(1)).toBe("confirmed");
    await send(38, [1, 2, 3]);
    expect(await soft(1, 38)).toMatchObject({ effect: "bounced" });
    expect(await status(1)).toBe("bounced");
    // Reader 2: 36 and 37 bounce, a delivery of 38 is confirmed, then 39 and 40 bounce: never three in a row.
    await soft(2, 36);
    await soft(2, 37);
    await store.feedback.recordFeedback(event(2, "delivered", 38), policy);
    await send(39, [2, 3]);
    await soft(2, 39);
    await send(40, [2, 3]);
    expect(await soft(2, 40)).toMatchObject({ effect: "none" });
    expect(await status(2)).toBe("confirmed");
    // Reader 3: issues 36 and 37 bounce, 38 to 40 were accepted and nothing bounced, so 41's bounce starts a new row.
    await soft(3, 36);
    await soft(3, 37);
    await send(41, [3]);
    expect(await soft(3, 41, { softBounceLimit: 2 })).toMatchObject({ effect: "none" });
    expect(await soft(3, 42, { softBounceLimit: 2 })).toMatchObject({ effect: "bounced" });
  });

  it("a signature is claimed once within its window", async () => {
    const { store } = await fresh();
    const t = new Date("2026-01-01T00:00:00Z");
    expect(await store.feedback.claimSignature("sig-a", t, 600_000)).toBe(true);
    expect(await store.feedback.claimSignature("sig-a", new Date(t.getTime() + 1000), 600_000)).toBe(false);
    expect(await store.feedback.claimSignature("sig-a", new Date(t.getTime() + 700_000), 600_000)).toBe(true);
  });
});

describe.each(BACKENDS)("gazette report's figures from the $name store", ({ open }) => {
  const opened: Store[] = [];
  const fresh = async (options: Parameters<typeof feedbackStore>[0] = {}) => {
    const made = await feedbackStore({ ...options, open });
    opened.push(made.store);
    return made;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it("counts recipients, outcomes, bounces, complaints and unsubscribes since the issue reached them, per issue", async () => {
    const { store, secret } = await fresh({ readers: 6, issues: [] });
    await deliver(store, secret, 36, [1, 2, 3, 4, 5], [6]);
    const policy = { softBounceLimit: 3 };
    await store.feedback.recordFeedback(event(1, "hard_bounce"), policy);
    await store.feedback.recordFeedback(event(2, "soft_bounce"), policy);
    await store.feedback.recordFeedback(event(3, "complaint"), policy);
    // Matched by address only: the issue is the last one that reached them.
    await store.feedback.recordFeedback(event(4, "complaint", null), policy);
    await store.unsubscribe(5, new Date(Date.now() + 1000));
    await deliver(store, secret, 37, [2]);
    const r36 = await store.feedback.issueReport(36);
    expect(r36).toMatchObject({ issue: 36, recipients: 6, accepted: 5, deferred: 0, rejected: 1, hardBounces: 1, softBounces: 1, complaints: 2, unsubscribes: 1 });
    expect(withRates(r36!).rates).toEqual({ hardBounce: 0.2, softBounce: 0.2, complaint: 0.4, unsubscribe: 0.2 });
    expect((await store.feedback.issueReports()).map((r) => r.issue)).toEqual([37, 36]);
    expect(await store.feedback.issueReport(99)).toBeUndefined();
    expect(await store.feedback.lastSentIssue(38)).toBe(37);
    expect(await store.feedback.lastSentIssue(37)).toBe(36);
    const table = renderReportTable((await store.feedback.issueReports()).map(withRates));
    expect(table.split("\n")[0]).toMatch(/^issue\s+sent\s+recipients\s+accepted\s+deferred\s+rejected\s+hard\s+soft\s+complaints\s+unsubscribes$/);
    expect(table).toMatch(/#36 .* 6 +5 +0 +1 +1 \(20\.0 %\) +1 \(20\.0 %\) +2 \(40\.0 %\) +1 \(20\.0 %\)\n$/);
  });

  it("the guard rail names the figure at or over its limit, and nothing under it", async () => {
    const base = { issue: 36, sentAt: null, recipients: 1000, accepted: 1000, deferred: 0, rejected: 0, hardBounces: 0, softBounces: 0, complaints: 0, unsubscribes: 0 };
    const limits = { maxComplaintPercent: 0.3, maxHardBouncePercent: 5 };
    expect(guardRail(withRates({ ...base, complaints: 2, hardBounces: 49 }), limits)).toBeUndefined();
    expect(guardRail(withRates({ ...base, complaints: 3 }), limits)).toBe("issue #36's complaint rate 0.30 % (3 of 1000) is at or above 0.3 %");
    expect(guardRail(withRates({ ...base, hardBounces: 50 }), limits)).toBe("issue #36's hard-bounce rate 5.00 % (50 of 1000) is at or above 5 %");
    expect(guardRail(withRates({ ...base, hardBounces: 50 }), { ...limits, maxHardBouncePercent: 10 })).toBeUndefined();
  });
});
