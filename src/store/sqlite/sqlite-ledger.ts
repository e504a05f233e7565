import type Database from "better-sqlite3";
import type { Delivery, DeliveryState, Subscriber } from "../../model/subscriber.ts";
import type { DeliveryLedger, Outcome } from "../store.ts";
import { failureSummary } from "../outcomes.ts";

// The ledger's SQL for SQLite. Several worker processes on one machine
// share the file through WAL; every write that reads first (claims, the
// send pace) runs in a BEGIN IMMEDIATE transaction, so two workers never
// claim one row and busy_timeout queues them instead of failing.

/** A delivery row (d) that leaves its subscriber still owed the issue: none yet, queued, deferred, or uncertain when asked. */
const OWED = "(d.state IS NULL OR d.state IN ('queued', 'deferred') OR (@includeUncertain = 1 AND d.state = 'uncertain'))";
const SUBSCRIBER = "s.id, s.email, s.name, s.status, s.source, s.created_at AS createdAt, s.updated_at AS updatedAt";

export class SqliteLedger implements DeliveryLedger {
  private readonly sql: Record<string, Database.Statement>;

  protected constructor(protected readonly db: Database.Database) {
    const p = (text: string) => db.prepare(text);
    this.sql = {
      expireTimed: p(
        `UPDATE deliveries SET state = 'uncertain', lease_owner = NULL, lease_until = NULL, updated_at = @now
          WHERE issue = @issue AND state = 'sending' AND (lease_until IS NULL OR lease_until < @now)`,
      ),
      expireOwner: p("UPDATE deliveries SET state = 'uncertain', lease_owner = NULL, lease_until = NULL, updated_at = @now WHERE issue = @issue AND lease_owner = @owner AND state = 'sending'"),
      freeOwner: p("UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE issue = @issue AND lease_owner = @owner"),
      holders: p("SELECT DISTINCT lease_owner AS owner FROM deliveries WHERE issue = ? AND lease_owner IS NOT NULL"),
      countOwed: p(
        `SELECT count(*) AS n FROM subscribers s LEFT JOIN deliveries d ON d.issue = @issue AND d.subscriber_id = s.id
          WHERE s.status = 'confirmed' AND ${OWED}`,
      ),
      campaign: p(
        `INSERT INTO campaigns (issue, state, started_at, updated_at) VALUES (@issue, 'running', @now, @now)
         ON CONFLICT (issue) DO UPDATE SET state = 'running', updated_at = @now`,
      ),
      requeue: p(
        `UPDATE deliveries SET state = 'queued', updated_at = @now
          WHERE issue = @issue AND (state = 'deferred' OR (@resend = 1 AND state = 'uncertain')) AND (lease_owner IS NULL OR lease_until < @now)`,
      ),
      freeze: p(
        `INSERT INTO deliveries (issue, subscriber_id, state, attempts, message_id, updated_at)
         SELECT @issue, id, 'queued', 0, '', @now FROM subscribers WHERE status = 'confirmed'
         ON CONFLICT (issue, subscriber_id) DO NOTHING`,
      ),
      countQueued: p("SELECT count(*) AS n FROM deliveries WHERE issue = ? AND state = 'queued'"),
      running: p("SELECT issue FROM campaigns WHERE state = 'running' ORDER BY issue"),
      finish: p(
        `UPDATE campaigns SET state = 'done', updated_at = @now WHERE issue = @issue AND NOT EXISTS
           (SELECT 1 FROM deliveries WHERE issue = @issue AND (state IN ('queued', 'sending') OR lease_owner IS NOT NULL))`,
      ),
      campaignState: p("SELECT state FROM campaigns WHERE issue = ?"),
      claimable: p(
        `SELECT subscriber_id AS id FROM deliveries WHERE issue = @issue AND state = 'queued' AND (lease_owner IS NULL OR lease_until < @now)
          ORDER BY subscriber_id LIMIT @limit`,
      ),
      lease: p("UPDATE deliveries SET lease_owner = @worker, lease_until = @until WHERE issue = @issue AND subscriber_id = @id"),
      subscriber: p(`SELECT ${SUBSCRIBER} FROM subscribers s WHERE s.id = ?`),
      renew: p("UPDATE deliveries SET lease_until = @until WHERE lease_owner = @worker"),
      release: p("UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND state = 'queued'"),
      begin: p(
        `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, message_id = @messageId, updated_at = @now
          WHERE issue = @issue AND subscriber_id = @id AND lease_owner = @worker AND state IN ('queued', 'deferred')
            AND EXISTS (SELECT 1 FROM subscribers WHERE id = @id AND status = 'confirmed')`,
      ),
      rowOf: p(
        `SELECT d.lease_owner AS owner, d.state, s.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
          WHERE d.issue = @issue AND d.subscriber_id = @id`,
      ),
      skip: p(
        `UPDATE deliveries SET state = 'skipped', message_id = @messageId, updated_at = @now, error = 'no longer confirmed', lease_owner = NULL, lease_until = NULL
          WHERE issue = @issue AND subscriber_id = @id`,
      ),
      outcome: p(
        `UPDATE deliveries SET state = @state, updated_at = @now,
           response = CASE WHEN @state = 'accepted' THEN @detail ELSE response END,
           error = CASE WHEN @state = 'accepted' THEN NULL ELSE @detail END,
           lease_owner = CASE WHEN @keep = 1 THEN lease_owner END,
           lease_until = CASE WHEN @keep = 1 THEN lease_until END
         WHERE issue = @issue AND subscriber_id = @id`,
      ),
      pace: p("SELECT next_at AS nextAt FROM send_pace WHERE name = 'smtp'"),
      setPace: p("INSERT INTO send_pace (name, next_at) VALUES ('smtp', @next) ON CONFLICT (name) DO UPDATE SET next_at = @next"),
      since: p(
        `SELECT d.state, d.error, s.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
          WHERE d.issue = @issue AND d.updated_at >= @since AND d.state IN ('rejected', 'deferred') AND d.lease_owner IS NULL`,
      ),
      deliveries: p(
        `SELECT d.issue, d.subscriber_id AS subscriberId, s.email, d.state, d.attempts, d.message_id AS messageId, d.response, d.error
           FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue = @issue AND (@state IS NULL OR d.state = @state) ORDER BY d.subscriber_id`,
      ),
      byState: p("SELECT state, count(*) AS n FROM deliveries WHERE issue = ? GROUP BY state"),
    };
  }

  async expireLeases(issue: number, deadWorkers: string[] = []): Promise<number> {
    return this.db.transaction(() => {
      const at = now();
      let n = this.sql.expireTimed!.run({ issue, now: at }).changes;
      for (const owner of deadWorkers) {
        n += this.sql.expireOwner!.run({ issue, owner, now: at }).changes;
        this.sql.freeOwner!.run({ issue, owner });
      }
      return n;
    }).immediate();
  }

  async leaseHolders(issue: number): Promise<string[]> {
    return (this.sql.holders!.all(issue) as { owner: string }[]).map((r) => r.owner);
  }

  async countOwed(issue: number, includeUncertain: boolean): Promise<number> {
    return (this.sql.countOwed!.get({ issue, includeUncertain: includeUncertain ? 1 : 0 }) as { n: number }).n;
  }

  async startCampaign(issue: number, options: { resendUncertain: boolean }): Promise<number> {
    return this.db.transaction(() => {
      const at = now();
      this.sql.campaign!.run({ issue, now: at });
      this.sql.requeue!.run({ issue, now: at, resend: options.resendUncertain ? 1 : 0 });
      this.sql.freeze!.run({ issue, now: at });
      return (this.sql.countQueued!.get(issue) as { n: number }).n;
    }).immediate();
  }

  async runningCampaigns(): Promise<number[]> {
    return (this.sql.running!.all() as { issue: number }[]).map((r) => r.issue);
  }

  async finishCampaign(issue: number): Promise<boolean> {
    this.sql.finish!.run({ issue, now: now() });
    return (this.sql.campaignState!.get(issue) as { state: string } | undefined)?.state === "done";
  }

  async claimRecipients(issue: number, worker: string, options: { limit: number; leaseMs: number }): Promise<Subscriber[]> {
    return this.db.transaction(() => {
      const at = new Date();
      const until = new Date(at.getTime() + options.leaseMs).toISOString();
      const ids = (this.sql.claimable!.all({ issue, now: at.toISOString(), limit: options.limit }) as { id: number }[]).map((r) => r.id);
      for (const id of ids) this.sql.lease!.run({ issue, id, worker, until });
      return ids.map((id) => this.sql.subscriber!.get(id) as Subscriber);
    }).immediate();
  }

  async renewLeases(worker: string, leaseMs: number): Promise<number> {
    return this.sql.renew!.run({ worker, until: new Date(Date.now() + leaseMs).toISOString() }).changes;
  }

  async releaseLeases(worker: string): Promise<void> {
    this.sql.release!.run(worker);
  }

  async beginAttempt(issue: number, subscriberId: number, messageId: string, worker: string, settle: Outcome[] = []): Promise<"sending" | "skipped" | "lost"> {
    return this.db.transaction((): "sending" | "skipped" | "lost" => {
      this.applyOutcomes(settle);
      const params = { issue, id: subscriberId, messageId, worker, now: now() };
      if (this.sql.begin!.run(params).changes > 0) return "sending";
      const row = this.sql.rowOf!.get(params) as { owner: string | null; state: DeliveryState; status: string } | undefined;
      if (!row) return "skipped"; // removed meanwhile: nothing left to record against
      if (row.owner !== worker || (row.state !== "queued" && row.state !== "deferred")) return "lost";
      this.sql.skip!.run(params);
      return "skipped";
    }).immediate();
  }

  async recordOutcomes(outcomes: Outcome[]): Promise<void> {
    if (outcomes.length > 0) this.db.transaction(() => this.applyOutcomes(outcomes)).immediate();
  }

  async takeSendSlot(perSecond: number): Promise<number> {
    return this.db.transaction(() => {
      const nowMs = Date.now();
      const slot = Math.max((this.sql.pace!.get() as { nextAt: number } | undefined)?.nextAt ?? 0, nowMs);
      this.sql.setPace!.run({ next: slot + 1000 / perSecond });
      return slot - nowMs;
    }).immediate();
  }

  async outcomesSince(issue: number, since: Date): Promise<{ failures: Record<string, number>; bounced: number }> {
    return failureSummary(this.sql.since!.all({ issue, since: since.toISOString() }) as { state: string; error: string | null; status: string }[]);
  }

  async deliveries(issue: number, state?: DeliveryState): Promise<Delivery[]> {
    return this.sql.deliveries!.all({ issue, state: state ?? null }) as Delivery[];
  }

  async countByState(issue: number): Promise<Partial<Record<DeliveryState, number>>> {
    const out: Partial<Record<DeliveryState, number>> = {};
    for (const r of this.sql.byState!.all(issue) as { state: DeliveryState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  private applyOutcomes(outcomes: Outcome[]): void {
    const at = now();
    for (const o of outcomes) {
      this.sql.outcome!.run({ issue: o.issue, id: o.subscriberId, state: o.state, detail: o.detail.slice(0, 1000), keep: o.retrying ? 1 : 0, now: at });
    }
  }
}

function now(): string {
  return new Date().toISOString();
}
