import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { createTestDatabase } from "./helpers/postgres.ts";

// A send worker's lease heartbeat runs beside its own commits on other
// connections of the pool. If the heartbeat waited for a row one of those
// holds while holding the rest, the two could wait on each other, and
// PostgreSQL would end one with "deadlock detected", stopping the send
// (the workers bench met it at 7,193 of 10,000 messages).

describe("the PostgreSQL ledger's lease heartbeat", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("never waits for a row another transaction holds: it renews the others, and that transaction goes on", async () => {
    const url = await createTestDatabase();
    const store = await PostgresStore.open(url);
    cleanup.push(() => store.close());
    const readers = [];
    for (const name of ["a", "b", "c"]) readers.push(await store.addSubscriber({ email: `${name}@example.org` }));
    await store.startCampaign(36, { resendUncertain: false });
    expect(await store.claimRecipients(36, "w1", { limit: 10, leaseMs: 60_000 })).toHaveLength(3);

    // Another transaction (as a commit of the worker's would) holds reader a's row.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    cleanup.push(() => other.end());
    await other.query("BEGIN");
    await other.query("SELECT 1 FROM deliveries WHERE issue = 36 AND subscriber_id = $1 FOR UPDATE", [readers[0]!.id]);

    const waited = Symbol("still waiting");
    const renewed = await Promise.race([store.renewLeases("w1", 120_000), new Promise((resolve) => setTimeout(() => resolve(waited), 5_000))]);
    expect(renewed).toBe(2);
    // The other transaction can still take reader c's row, which the heartbeat just renewed.
    await other.query("UPDATE deliveries SET updated_at = now() WHERE issue = 36 AND subscriber_id = $1", [readers[2]!.id]);
    await other.query("COMMIT");
    // With the lock gone, every lease is renewed again.
    expect(await store.renewLeases("w1", 120_000)).toBe(3);
  });
});
