import type pg from "pg";
import type { Delivery, DeliveryState, Subscriber } from "../../model/subscriber.ts";
import { failureSummary } from "../outcomes.ts";
import type { DeliveryLedger, Outcome } from "../store.ts";
import { subscriberRow } from "./rows.ts";
import { inTransaction } from "./transaction.ts";

// The ledger's SQL for PostgreSQL, shared by workers on any number of
// machines. Claims take rows nobody holds with FOR UPDATE SKIP LOCKED, so
// workers never wait on each other nor take one row twice; leases and the
// send pace use the server's clock, so the machines' clocks do not matter.
// The hot path (begin one message, record earlier outcomes) is one
// statement: one round trip per message.

const SUBSCRIBER = "s.id, s.email, s.name, s.status, s.source, s.created_at, s.updated_at";
/** A delivery row (d) that leaves its subscriber still owed the issue: none yet, queued, deferred, or uncertain when asked. */
const OWED = "(d.state IS NULL OR d.state IN ('queued', 'deferred') OR ($2::boolean AND d.state = 'uncertain'))";
const MS = "* interval '1 millisecond'";

/** Earlier outcomes, as a data-modifying CTE over unnest($1..$5): one statement however many. */
const SETTLE = `UPDATE deliveries d SET state = o.state, updated_at = now(),
    response = CASE WHEN o.state = 'accepted' THEN o.detail ELSE d.response END,
    error = CASE WHEN o.state = 'accepted' THEN NULL ELSE o.detail END,
    lease_owner = CASE WHEN o.keep THEN d.lease_owner END,
    lease_until = CASE WHEN o.keep THEN d.lease_until END
  FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::boolean[]) AS o(issue, subscriber_id, state, detail, keep)
  WHERE d.issue = o.issue AND d.subscriber_id = o.subscriber_id`;

export class PostgresLedger implements DeliveryLedger {
  protected constructor(protected readonly pool: pg.Pool) {}

  async expireLeases(issue: number, deadWorkers: string[] = []): Promise<number> {
    const result = await this.pool.query(
      `WITH gone AS (
         UPDATE deliveries SET state = 'uncertain', lease_owner = NULL, lease_until = NULL, updated_at = now()
          WHERE issue = $1 AND state = 'sending' AND (lease_until IS NULL OR lease_until < now() OR lease_owner = ANY ($2::text[]))
          RETURNING 1),
       freed AS (
         UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE issue = $1 AND state <> 'sending' AND lease_owner = ANY ($2::text[]))
       SELECT count(*)::int AS n FROM gone`,
      [issue, deadWorkers],
    );
    return result.rows[0].n as number;
  }

  async leaseHolders(issue: number): Promise<string[]> {
    const result = await this.pool.query("SELECT DISTINCT lease_owner FROM deliveries WHERE issue = $1 AND lease_owner IS NOT NULL", [issue]);
    return result.rows.map((r: { lease_owner: string }) => r.lease_owner);
  }

  async countOwed(issue: number, includeUncertain: boolean): Promise<number> {
    const result = await this.pool.query(
      `SELECT count(*)::int AS n FROM subscribers s LEFT JOIN deliveries d ON d.issue = $1 AND d.subscriber_id = s.id
        WHERE s.status = 'confirmed' AND ${OWED}`,
      [issue, includeUncertain],
    );
    return result.rows[0].n as number;
  }

  async startCampaign(issue: number, options: { resendUncertain: boolean }): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO campaigns (issue, state, started_at, updated_at) VALUES ($1, 'running', now(), now())
         ON CONFLICT (issue) DO UPDATE SET state = 'running', updated_at = now()`,
        [issue],
      );
      await client.query(
        `UPDATE deliveries SET state = 'queued', updated_at = now()
          WHERE issue = $1 AND (state = 'deferred' OR ($2 AND state = 'uncertain')) AND (lease_owner IS NULL OR lease_until < now())`,
        [issue, options.resendUncertain],
      );
      await client.query(
        `INSERT INTO deliveries (issue, subscriber_id, state, attempts, message_id, updated_at)
         SELECT $1, id, 'queued', 0, '', now() FROM subscribers WHERE status = 'confirmed'
         ON CONFLICT (issue, subscriber_id) DO NOTHING`,
        [issue],
      );
      return (await client.query("SELECT count(*)::int AS n FROM deliveries WHERE issue = $1 AND state = 'queued'", [issue])).rows[0].n as number;
    });
  }

  async runningCampaigns(): Promise<number[]> {
    return (await this.pool.query("SELECT issue FROM campaigns WHERE state = 'running' ORDER BY issue")).rows.map((r: { issue: number }) => r.issue);
  }

  async finishCampaign(issue: number): Promise<boolean> {
    const result = await this.pool.query(
      `WITH done AS (
         UPDATE campaigns SET state = 'done', updated_at = now() WHERE issue = $1 AND NOT EXISTS
           (SELECT 1 FROM deliveries WHERE issue = $1 AND (state IN ('queued', 'sending') OR lease_owner IS NOT NULL))
         RETURNING state)
       SELECT coalesce((SELECT state FROM done), (SELECT state FROM campaigns WHERE issue = $1)) AS state`,
      [issue],
    );
    return result.rows[0]?.state === "done";
  }

  async claimRecipients(issue: number, worker: string, options: { limit: number; leaseMs: number }): Promise<Subscriber[]> {
    const result = await this.pool.query(
      `WITH claimable AS (
         SELECT subscriber_id FROM deliveries
          WHERE issue = $1 AND state = 'queued' AND (lease_owner IS NULL OR lease_until < now())
          ORDER BY subscriber_id LIMIT $2 FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE deliveries d SET lease_owner = $3, lease_until = now() + $4 ${MS}
           FROM claimable c WHERE d.issue = $1 AND d.subscriber_id = c.subscriber_id
         RETURNING d.subscriber_id)
       SELECT ${SUBSCRIBER} FROM claimed c JOIN subscribers s ON s.id = c.subscriber_id ORDER BY s.id`,
      [issue, options.limit, worker, options.leaseMs],
    );
    return result.rows.map(subscriberRow);
  }

  async renewLeases(worker: string, leaseMs: number): Promise<number> {
    // The heartbeat runs beside this worker's own commits, each of which locks the
    // row it begins and the rows it settles: waiting for those while holding the
    // rest is how a deadlock starts. A row locked right now is skipped (it is
    // being settled or begun this instant); the next heartbeat renews it.
    const result = await this.pool.query(
      `UPDATE deliveries d SET lease_until = now() + $2 ${MS}
         FROM (SELECT issue, subscriber_id FROM deliveries WHERE lease_owner = $1 ORDER BY issue, subscriber_id FOR UPDATE SKIP LOCKED) r
        WHERE d.issue = r.issue AND d.subscriber_id = r.subscriber_id`,
      [worker, leaseMs],
    );
    return result.rowCount ?? 0;
  }

  async releaseLeases(worker: string): Promise<void> {
    await this.pool.query("UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 AND state = 'queued'", [worker]);
  }

  async beginAttempt(issue: number, subscriberId: number, messageId: string, worker: string, settle: Outcome[] = []): Promise<"sending" | "skipped" | "lost"> {
    // An earlier outcome of this same row is superseded by 'sending': one statement must not touch a row twice.
    const outcomes = settle.filter((o) => o.issue !== issue || o.subscriberId !== subscriberId);
    const result = await this.pool.query(
      `WITH settled AS (${SETTLE} RETURNING 1),
       begun AS (
         UPDATE deliveries SET state = 'sending', attempts = attempts + 1, message_id = $8, updated_at = now()
          WHERE issue = $6 AND subscriber_id = $7 AND lease_owner = $9 AND state IN ('queued', 'deferred')
            AND EXISTS (SELECT 1 FROM subscribers WHERE id = $7 AND status = 'confirmed')
          RETURNING 1)
       SELECT (SELECT count(*) FROM begun)::int AS begun, (SELECT count(*) FROM settled)::int AS settled`,
      [...outcomeArrays(outcomes), issue, subscriberId, messageId, worker],
    );
    if (result.rows[0].begun > 0) return "sending";
    const row = (
      await this.pool.query(
        "SELECT d.lease_owner, d.state, s.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue = $1 AND d.subscriber_id = $2",
        [issue, subscriberId],
      )
    ).rows[0] as { lease_owner: string | null; state: DeliveryState; status: string } | undefined;
    if (!row) return "skipped"; // removed meanwhile: nothing left to record against
    if (row.lease_owner !== worker || (row.state !== "queued" && row.state !== "deferred")) return "lost";
    await this.pool.query(
      `UPDATE deliveries SET state = 'skipped', message_id = $3, updated_at = now(), error = 'no longer confirmed', lease_owner = NULL, lease_until = NULL
        WHERE issue = $1 AND subscriber_id = $2`,
      [issue, subscriberId, messageId],
    );
    return "skipped";
  }

  async recordOutcomes(outcomes: Outcome[]): Promise<void> {
    if (outcomes.length > 0) await this.pool.query(SETTLE, outcomeArrays(outcomes));
  }

  async takeSendSlot(perSecond: number): Promise<number> {
    // Milliseconds on the server's clock: every machine's workers share one schedule.
    const result = await this.pool.query(
      `WITH t AS (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now_ms)
       INSERT INTO send_pace AS p (name, next_at) SELECT 'smtp', t.now_ms + $1 FROM t
       ON CONFLICT (name) DO UPDATE SET next_at = greatest(p.next_at, (SELECT now_ms FROM t)) + $1
       RETURNING next_at - $1 - (SELECT now_ms FROM t) AS wait`,
      [1000 / perSecond],
    );
    return Math.max(0, Number(result.rows[0].wait));
  }

  async outcomesSince(issue: number, since: Date): Promise<{ failures: Record<string, number>; bounced: number }> {
    const result = await this.pool.query(
      `SELECT d.state, d.error, s.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.issue = $1 AND d.updated_at >= $2 AND d.state IN ('rejected', 'deferred') AND d.lease_owner IS NULL`,
      [issue, since.toISOString()],
    );
    return failureSummary(result.rows);
  }

  async deliveries(issue: number, state?: DeliveryState): Promise<Delivery[]> {
    const result = await this.pool.query(
      `SELECT d.issue, d.subscriber_id AS "subscriberId", s.email, d.state, d.attempts, d.message_id AS "messageId", d.response, d.error
         FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue = $1 AND ($2::text IS NULL OR d.state = $2) ORDER BY d.subscriber_id`,
      [issue, state ?? null],
    );
    return result.rows as Delivery[];
  }

  async countByState(issue: number): Promise<Partial<Record<DeliveryState, number>>> {
    const out: Partial<Record<DeliveryState, number>> = {};
    for (const r of (await this.pool.query("SELECT state, count(*)::int AS n FROM deliveries WHERE issue = $1 GROUP BY state", [issue])).rows) out[r.state as DeliveryState] = r.n;
    return out;
  }
}

function outcomeArrays(outcomes: Outcome[]): unknown[] {
  return [
    outcomes.map((o) => o.issue),
    outcomes.map((o) => o.subscriberId),
    outcomes.map((o) => o.state),
    outcomes.map((o) => o.detail.slice(0, 1000)),
    outcomes.map((o) => !!o.retrying),
  ];
}
