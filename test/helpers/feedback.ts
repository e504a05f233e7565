import path from "node:path";
import type { FeedbackIntake } from "../../src/feedback/intake.ts";
import { messageIdFor } from "../../src/send/campaign.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { createTestDatabase } from "./postgres.ts";
import { REPO, tempDir } from "./project.ts";

/** The secret the fixtures in test/fixtures/feedback were made under. */
export const FIXTURE_SECRET = "feedback-fixtures-secret-0123456789";
export const FEEDBACK_FIXTURES = path.join(REPO, "test/fixtures/feedback");
export const NEWSLETTER = { sender: { email: "weekly@pretraining-weekly.example.org" } } as Parameters<typeof messageIdFor>[0]["newsletter"];

/** The backends the feedback store runs on: a real SQLite file, a real PostgreSQL database in the run's cluster. */
export const BACKENDS = [
  { name: "SQLite", open: async (): Promise<Store> => new SqliteStore(path.join(await tempDir(), "data/gazette.sqlite")) },
  { name: "PostgreSQL", open: async (): Promise<Store> => PostgresStore.open(await createTestDatabase()) },
] as const;

/**
 * A fresh store (SQLite unless `open` says otherwise) holding
 * reader1..reader5@example.org (ids 1..5), each with issue 36 accepted by
 * the relay, and an intake over it.
 */
export async function feedbackStore(options: { readers?: number; issues?: number[]; softBounceLimit?: number; open?: () => Promise<Store> } = {}) {
  const store = await (options.open ?? BACKENDS[0].open)();
  const secret = Buffer.from(FIXTURE_SECRET, "utf8");
  const readers = [];
  for (let i = 0; i < (options.readers ?? 5); i++) readers.push(await store.addSubscriber({ email: `reader${i + 1}@example.org` }));
  for (const issue of options.issues ?? [36]) await deliver(store, secret, issue, readers.map((r) => r.id));
  const intake: FeedbackIntake = { store: store.feedback, secret, policy: { softBounceLimit: options.softBounceLimit ?? 3 }, now: () => new Date() };
  return { store, secret, intake, readers };
}

/**
 * Records issue `issue` as a send does: the campaign frozen, its rows
 * claimed, then accepted for `ids` (and rejected for `rejected`); any other
 * confirmed subscriber is left queued, as if not reached yet.
 */
export async function deliver(store: Store, secret: Buffer, issue: number, ids: number[], rejected: number[] = []): Promise<void> {
  await store.startCampaign(issue, { resendUncertain: false });
  await store.claimRecipients(issue, "test-worker", { limit: 100_000, leaseMs: 60_000 });
  for (const id of [...ids, ...rejected]) {
    const begun = await store.beginAttempt(issue, id, messageIdFor({ issue, newsletter: NEWSLETTER, secret }, { id }), "test-worker");
    if (begun !== "sending") throw new Error(`issue ${issue}, subscriber ${id}: ${begun}`);
  }
  await store.recordOutcomes([
    ...ids.map((id) => ({ issue, subscriberId: id, state: "accepted" as const, detail: "250 ok" })),
    ...rejected.map((id) => ({ issue, subscriberId: id, state: "rejected" as const, detail: "550 5.7.1 refused" })),
  ]);
}
