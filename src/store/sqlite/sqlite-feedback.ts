import type Database from "better-sqlite3";
import type { FeedbackEffect, FeedbackEvent, IssueReport, NewFeedbackEvent } from "../../model/feedback.ts";
import type { FeedbackPolicy, FeedbackStore, RecordResult } from "../feedback.ts";

// Feedback events on the SQLite store's connection (migration 004). Each
// recordFeedback is one transaction: the event row and its effect on the
// subscriber commit together or not at all.

const EVENT_COLUMNS = `id, event_key AS key, source, kind, subscriber_id AS subscriberId, issue, provider_id AS providerId,
  status_code AS statusCode, diagnostic, received_at AS receivedAt, effect`;

/**
 * The newest issue that got through to this subscriber: one a delivery
 * event confirms, or one the relay accepted that nothing bounced.
 */
const LAST_GOOD_ISSUE = `max(
  coalesce((SELECT max(issue) FROM feedback_events WHERE subscriber_id = @id AND kind = 'delivered'), -1),
  coalesce((SELECT max(d.issue) FROM deliveries d WHERE d.subscriber_id = @id AND d.state = 'accepted'
     AND NOT EXISTS (SELECT 1 FROM feedback_events f WHERE f.subscriber_id = d.subscriber_id AND f.issue = d.issue
                      AND f.kind IN ('hard_bounce', 'soft_bounce'))), -1))`;

const REPORT = `
  SELECT d.issue,
         min(CASE WHEN d.state = 'accepted' THEN d.updated_at END) AS sentAt,
         sum(d.state NOT IN ('queued', 'skipped')) AS recipients,
         sum(d.state = 'accepted') AS accepted,
         sum(d.state = 'deferred') AS deferred,
         sum(d.state = 'rejected') AS rejected,
         (SELECT count(DISTINCT subscriber_id) FROM feedback_events f WHERE f.issue = d.issue AND f.kind = 'hard_bounce') AS hardBounces,
         (SELECT count(DISTINCT subscriber_id) FROM feedback_events f WHERE f.issue = d.issue AND f.kind = 'soft_bounce') AS softBounces,
         (SELECT count(DISTINCT subscriber_id) FROM feedback_events f WHERE f.issue = d.issue AND f.kind = 'complaint') AS complaints,
         -- Unsubscribed after this issue reached them, and before the next one did.
         sum(d.state = 'accepted' AND EXISTS (
           SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id AND s.status = 'unsubscribed' AND s.unsubscribed_at >= d.updated_at
              AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.subscriber_id = s.id AND n.state = 'accepted'
                               AND n.updated_at > d.updated_at AND n.updated_at <= s.unsubscribed_at))) AS unsubscribes
    FROM deliveries d`;

export class SqliteFeedbackStore implements FeedbackStore {
  private readonly stmt: Record<string, Database.Statement>;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO feedback_events (event_key, source, kind, subscriber_id, issue, provider_id, status_code, diagnostic, received_at, effect)
         SELECT @key, @source, @kind, @subscriberId,
                coalesce(@issue, (SELECT issue FROM deliveries WHERE subscriber_id = @subscriberId AND state = 'accepted' ORDER BY updated_at DESC LIMIT 1)),
                @providerId, @statusCode, @diagnostic, @receivedAt, 'none'
          WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = @subscriberId)
         ON CONFLICT (event_key) DO NOTHING`,
      ),
      // Soft-bounced issues since the last that got through; an issue reported twice counts once.
      softStreak: db.prepare(
        `SELECT count(DISTINCT coalesce(issue, -id)) AS n FROM feedback_events
          WHERE subscriber_id = @id AND kind = 'soft_bounce' AND (issue IS NULL OR issue > ${LAST_GOOD_ISSUE})`,
      ),
      bounce: db.prepare(
        `UPDATE subscribers SET status = 'bounced', updated_at = @now, confirm_nonce = NULL
          WHERE id = @id AND status NOT IN ('bounced', 'complained')`,
      ),
      complain: db.prepare(
        "UPDATE subscribers SET status = 'complained', updated_at = @now, confirm_nonce = NULL WHERE id = @id AND status <> 'complained'",
      ),
      unsubscribe: db.prepare(
        `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = @now, updated_at = @now, confirm_nonce = NULL
          WHERE id = @id AND status IN ('pending', 'confirmed')`,
      ),
      setEffect: db.prepare("UPDATE feedback_events SET effect = ? WHERE id = ?"),
      byId: db.prepare(`SELECT ${EVENT_COLUMNS} FROM feedback_events WHERE id = ?`),
      idByEmail: db.prepare("SELECT id FROM subscribers WHERE email = ?"),
      emailById: db.prepare("SELECT email FROM subscribers WHERE id = ?"),
      prune: db.prepare("DELETE FROM webhook_signatures WHERE seen_at < ?"),
      claim: db.prepare("INSERT INTO webhook_signatures (signature, seen_at) VALUES (?, ?) ON CONFLICT (signature) DO NOTHING"),
      events: db.prepare(
        `SELECT ${EVENT_COLUMNS} FROM feedback_events
          WHERE (@subscriberId IS NULL OR subscriber_id = @subscriberId) AND (@issue IS NULL OR issue = @issue) ORDER BY id`,
      ),
      report: db.prepare(`${REPORT} WHERE d.issue = ? GROUP BY d.issue`),
      reports: db.prepare(`${REPORT} GROUP BY d.issue ORDER BY d.issue DESC`),
      lastSent: db.prepare(
        "SELECT issue FROM deliveries WHERE state = 'accepted' AND issue <> ? GROUP BY issue ORDER BY max(updated_at) DESC, issue DESC LIMIT 1",
      ),
    };
  }

  async recordFeedback(event: NewFeedbackEvent, policy: FeedbackPolicy): Promise<RecordResult> {
    return this.db.transaction((): RecordResult => {
      const at = event.receivedAt.toISOString();
      const info = this.stmt.insert!.run({
        key: event.key,
        source: event.source,
        kind: event.kind,
        subscriberId: event.subscriberId,
        issue: event.issue,
        providerId: event.providerId?.slice(0, 200) ?? null,
        statusCode: event.statusCode?.slice(0, 40) ?? null,
        diagnostic: event.diagnostic?.slice(0, 1000) ?? null,
        receivedAt: at,
      });
      if (info.changes === 0) return { recorded: false, reason: "duplicate" };
      const id = Number(info.lastInsertRowid);
      const params = { id: event.subscriberId, now: at };
      let effect: FeedbackEffect = "none";
      if (event.kind === "hard_bounce" && this.stmt.bounce!.run(params).changes > 0) effect = "bounced";
      if (event.kind === "soft_bounce") {
        const streak = (this.stmt.softStreak!.get(params) as { n: number }).n;
        if (streak >= policy.softBounceLimit && this.stmt.bounce!.run(params).changes > 0) effect = "bounced";
      }
      if (event.kind === "complaint" && this.stmt.complain!.run(params).changes > 0) effect = "complained";
      if (event.kind === "unsubscribe" && this.stmt.unsubscribe!.run(params).changes > 0) effect = "unsubscribed";
      this.stmt.setEffect!.run(effect, id);
      return { recorded: true, effect, event: this.stmt.byId!.get(id) as FeedbackEvent };
    })();
  }

  async subscriberIdByEmail(email: string): Promise<number | undefined> {
    return (this.stmt.idByEmail!.get(email) as { id: number } | undefined)?.id;
  }

  async emailOfSubscriber(id: number): Promise<string | undefined> {
    return (this.stmt.emailById!.get(id) as { email: string } | undefined)?.email;
  }

  async claimSignature(signature: string, now: Date, windowMs: number): Promise<boolean> {
    return this.db.transaction(() => {
      this.stmt.prune!.run(new Date(now.getTime() - windowMs).toISOString());
      return this.stmt.claim!.run(signature, now.toISOString()).changes > 0;
    })();
  }

  async feedbackEvents(filter: { subscriberId?: number; issue?: number }): Promise<FeedbackEvent[]> {
    return this.stmt.events!.all({ subscriberId: filter.subscriberId ?? null, issue: filter.issue ?? null }) as FeedbackEvent[];
  }

  async issueReport(issue: number): Promise<IssueReport | undefined> {
    const row = this.stmt.report!.get(issue) as IssueReport | undefined;
    return row && normalise(row);
  }

  async issueReports(): Promise<IssueReport[]> {
    return (this.stmt.reports!.all() as IssueReport[]).map(normalise);
  }

  async lastSentIssue(except?: number): Promise<number | undefined> {
    return (this.stmt.lastSent!.get(except ?? -1) as { issue: number } | undefined)?.issue;
  }
}

/** SQLite sums of no rows are null. */
function normalise(row: IssueReport): IssueReport {
  const n = (v: unknown) => Number(v ?? 0);
  return {
    issue: row.issue,
    sentAt: row.sentAt,
    recipients: n(row.recipients),
    accepted: n(row.accepted),
    deferred: n(row.deferred),
    rejected: n(row.rejected),
    hardBounces: n(row.hardBounces),
    softBounces: n(row.softBounces),
    complaints: n(row.complaints),
    unsubscribes: n(row.unsubscribes),
  };
}
