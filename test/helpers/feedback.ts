import path from "node:path";
import type { FeedbackIntake } from "../../src/feedback/intake.ts";
import { messageIdFor } from "../../src/send/campaign.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { REPO, tempDir } from "./project.ts";

/** The secret the fixtures in test/fixtures/feedback were made under. */
export const FIXTURE_SECRET = "feedback-fixtures-secret-0123456789";
export const FEEDBACK_FIXTURES = path.join(REPO, "test/fixtures/feedback");
export const NEWSLETTER = { sender: { email: "weekly@pretraining-weekly.example.org" } } as Parameters<typeof messageIdFor>[0]["newsletter"];

/**
 * A fresh SQLite store holding reader1..reader5@example.org (ids 1..5),
 * each with issue 36 accepted by the relay, and an intake over it.
 */
export async function feedbackStore(options: { readers?: number; issues?: number[]; softBounceLimit?: number } = {}) {
  const file = path.join(await tempDir(), "data/gazette.sqlite");
  const store = new SqliteStore(file);
  const secret = Buffer.from(FIXTURE_SECRET, "utf8");
  const readers = [];
  for (let i = 0; i < (options.readers ?? 5); i++) readers.push(await store.addSubscriber({ email: `reader${i + 1}@example.org` }));
  for (const issue of options.issues ?? [36]) await deliver(store, secret, issue, readers.map((r) => r.id));
  const intake: FeedbackIntake = { store: store.feedback, secret, policy: { softBounceLimit: options.softBounceLimit ?? 3 }, now: () => new Date() };
  return { store, file, secret, intake, readers };
}

/** Records issue `issue` as accepted for these subscribers, as a send does. */
export async function deliver(store: SqliteStore, secret: Buffer, issue: number, ids: number[]): Promise<void> {
  for (const id of ids) await store.beginAttempt(issue, id, messageIdFor({ issue, newsletter: NEWSLETTER, secret }, { id }));
  await store.recordOutcomes(ids.map((id) => ({ issue, subscriberId: id, state: "accepted" as const, detail: "250 ok" })));
}
