import type pg from "pg";
import type { FeedbackEffect, FeedbackEvent, IssueReport, NewFeedbackEvent } from "../../model/feedback.ts";
import type { FeedbackPolicy, FeedbackStore, RecordResult } from "../feedback.ts";
import { iso } from "./rows.ts";
import { inTransaction } from "./transaction.ts";

// Feedback events for PostgreSQL, the same rules as SQLite's
// sqlite-feedback.ts. recordFeedback locks the subscriber's row first, so
// two servers taking two soft bounces for one reader at once count both.

const EVENT_COLUMNS = `id, event_key AS key, source, kind, subscriber_id AS "subscriberId", issue, provider_id AS "providerId",
  status_code AS "statusCode", diagnostic, received_at AS "receivedAt", effect`;

/** The newest issue that got through: one a delivery event confirms, or one accepted that nothing bounced. */
const LAST_GOOD_ISSUE = `greatest(
  coalesce((SELECT max(issue) FROM feedback_events WHERE subscriber_id = $1 AND kind = 'delivered'), -1),
  coalesce((SELECT max(d.issue) FROM deliveries d WHERE d.subscriber_id = $1 AND d.state = 'accepted'
     AND NOT EXISTS (SELECT 1 FROM feedback_events f WHERE f.subscriber_id = d.subscriber_id AND f.issue = d.issue
                      AND f.kind IN ('hard_bounce', 'soft_bounce'))), -1))`;

const REPORT = `
  SELECT d.issue,
         min(CASE WHEN d.state = 'accepted' THEN d.updated_at END) AS "sentAt",
         count(*) FILTER (WHERE d.state NOT IN ('queued', 'skipped'))::int AS recipients,
         count(*) FILTER (WHERE d.state = 'accepted')::int AS accepted,
         count(*) FILTER (WHERE d.state = 'deferred')::int AS deferred,
         count(*) FILTER (WHERE d.state = 'rejected')::int AS rejected,
         (SELECT count(DISTINCT subscriber_id) FROM feedback_events f WHERE f.issue = d.issue AND f.kind = 'hard_bounce')::int AS "hardBounces",
         (SELECT count(DISTINCT subscriber_id) FROM feedback_events f WHERE f.issue = d.issue AND f.kind = 'soft_bounce')::int AS "softBounces",
         (SELECT count(DISTINCT subscriber_id) FROM feedback_events f WHERE f.issue = d.issue AND f.kind = 'complaint')::int AS complaints,
         count(*) FILTER (WHERE d.state = 'accepted' AND EXISTS (
           SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id AND s.status = 'unsubscribed' AND s.unsubscribed_at >= d.updated_at
              AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.subscriber_id = s.id AND n.state = 'accepted'
                               AND n.updated_at > d.updated_at AND n.updated_at <= s.unsubscribed_at)))::int AS unsubscribes
    FROM deliveries d`;

export class PostgresFeedbackStore implements FeedbackStore {
  constructor(private readonly pool: pg.Pool) {}

  async recordFeedback(event: NewFeedbackEvent, policy: FeedbackPolicy): Promise<RecordResult> {
    return inTransaction(this.pool, (client) => record(client, event, policy));
  }

  async subscriberIdByEmail(email: string): Promise<number | undefined> {
    return (await this.pool.query("SELECT id FROM subscribers WHERE email = $1", [email])).rows[0]?.id;
  }

  async emailOfSubscriber(id: number): Promise<string | undefined> {
    return (await this.pool.query("SELECT email FROM subscribers WHERE id = $1", [id])).rows[0]?.email;
  }

  async claimSignature(signature: string, now: Date, windowMs: number): Promise<boolean> {
    await this.pool.query("DELETE FROM webhook_signatures WHERE seen_at < $1", [new Date(now.getTime() - windowMs)]);
    const inserted = await this.pool.query("INSERT INTO webhook_signatures (signature, seen_at) VALUES ($1, $2) ON CONFLICT (signature) DO NOTHING", [signature, now]);
    return (inserted.rowCount ?? 0) > 0;
  }

  async feedbackEvents(filter: { subscriberId?: number; issue?: number }): Promise<FeedbackEvent[]> {
    const rows = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM feedback_events WHERE ($1::int IS NULL OR subscriber_id = $1) AND ($2::int IS NULL OR issue = $2) ORDER BY id`,
      [filter.subscriberId ?? null, filter.issue ?? null],
    );
    return rows.rows.map(eventRow);
  }

  async issueReport(issue: number): Promise<IssueReport | undefined> {
    const row = (await this.pool.query(`${REPORT} WHERE d.issue = $1 GROUP BY d.issue`, [issue])).rows[0];
    return row && reportRow(row);
  }

  async issueReports(): Promise<IssueReport[]> {
    return (await this.pool.query(`${REPORT} GROUP BY d.issue ORDER BY d.issue DESC`)).rows.map(reportRow);
  }

  async lastSentIssue(except?: number): Promise<number | undefined> {
    const row = (await this.pool.query("SELECT issue FROM deliveries WHERE state = 'accepted' AND issue <> $1 GROUP BY issue ORDER BY max(updated_at) DESC, issue DESC LIMIT 1", [except ?? -1])).rows[0];
    return row?.issue;
  }
}

async function record(client: pg.PoolClient, event: NewFeedbackEvent, policy: FeedbackPolicy): Promise<RecordResult> {
  const subscriber = await client.query("SELECT id FROM subscribers WHERE id = $1 FOR UPDATE", [event.subscriberId]);
  if (subscriber.rowCount === 0) return { recorded: false, reason: "duplicate" };
  const inserted = await client.query(
    `INSERT INTO feedback_events (event_key, source, kind, subscriber_id, issue, provider_id, status_code, diagnostic, received_at, effect)
     VALUES ($1, $2, $3, $4, coalesce($5::int, (SELECT issue FROM deliveries WHERE subscriber_id = $4 AND state = 'accepted' ORDER BY updated_at DESC LIMIT 1)),
             $6, $7, $8, $9, 'none')
     ON CONFLICT (event_key) DO NOTHING RETURNING id`,
    [event.key, event.source, event.kind, event.subscriberId, event.issue, event.providerId?.slice(0, 200) ?? null, event.statusCode?.slice(0, 40) ?? null, event.diagnostic?.slice(0, 1000) ?? null, event.receivedAt],
  );
  if (inserted.rowCount === 0) return { recorded: false, reason: "duplicate" };
  const id = inserted.rows[0].id as string;
  const changed = async (sql: string) => ((await client.query(sql, [event.subscriberId, event.receivedAt])).rowCount ?? 0) > 0;
  const bounce = "UPDATE subscribers SET status = 'bounced', updated_at = $2, confirm_nonce = NULL WHERE id = $1 AND status NOT IN ('bounced', 'complained')";
  let effect: FeedbackEffect = "none";
  if (event.kind === "hard_bounce" && (await changed(bounce))) effect = "bounced";
  if (event.kind === "soft_bounce") {
    const streak = await client.query(
      `SELECT count(DISTINCT coalesce(issue::bigint, -id))::int AS n FROM feedback_events
        WHERE subscriber_id = $1 AND kind = 'soft_bounce' AND (issue IS NULL OR issue > ${LAST_GOOD_ISSUE})`,
      [event.subscriberId],
    );
    if (streak.rows[0].n >= policy.softBounceLimit && (await changed(bounce))) effect = "bounced";
  }
  if (event.kind === "complaint" && (await changed("UPDATE subscribers SET status = 'complained', updated_at = $2, confirm_nonce = NULL WHERE id = $1 AND status <> 'complained'"))) effect = "complained";
  if (
    event.kind === "unsubscribe" &&
    (await changed("UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $2, updated_at = $2, confirm_nonce = NULL WHERE id = $1 AND status IN ('pending', 'confirmed')"))
  ) {
    effect = "unsubscribed";
  }
  const row = (await client.query(`UPDATE feedback_events SET effect = $2 WHERE id = $1 RETURNING ${EVENT_COLUMNS}`, [id, effect])).rows[0];
  return { recorded: true, effect, event: eventRow(row) };
}

function eventRow(r: Record<string, unknown>): FeedbackEvent {
  return { ...(r as unknown as FeedbackEvent), id: Number(r.id), receivedAt: iso(r.receivedAt) };
}

function reportRow(r: Record<string, unknown>): IssueReport {
  return { ...(r as unknown as IssueReport), sentAt: r.sentAt == null ? null : iso(r.sentAt) };
}
