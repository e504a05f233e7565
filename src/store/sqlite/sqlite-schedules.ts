import type Database from "better-sqlite3";
import type { ClickStore, ReportStore, Schedule, ScheduleState, ScheduleStore, SubscriberEvent } from "../schedules.ts";

const COLUMNS = "issue, due_at AS dueAt, state, email_hash AS emailHash, claimed_by AS claimedBy, detail, updated_at AS updatedAt";

/** Schedules and click counts in the SQLite file. */
export class SqliteSchedules implements ScheduleStore, ClickStore, ReportStore {
  constructor(private readonly db: Database.Database) {}

  async scheduleSend(issue: number, dueAt: Date, emailHash: string, now: Date): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT INTO schedules (issue, due_at, state, email_hash, created_at, updated_at) VALUES (@issue, @due, 'scheduled', @hash, @now, @now)
         ON CONFLICT (issue) DO UPDATE SET due_at = @due, state = 'scheduled', email_hash = @hash, claimed_by = NULL, detail = NULL, updated_at = @now
         WHERE schedules.state <> 'firing'`,
      )
      .run({ issue, due: dueAt.toISOString(), hash: emailHash, now: now.toISOString() });
    return result.changes === 1;
  }

  async listSchedules(): Promise<Schedule[]> {
    return this.db.prepare(`SELECT ${COLUMNS} FROM schedules ORDER BY due_at, issue`).all() as Schedule[];
  }

  async getSchedule(issue: number): Promise<Schedule | undefined> {
    return this.db.prepare(`SELECT ${COLUMNS} FROM schedules WHERE issue = ?`).get(issue) as Schedule | undefined;
  }

  async dueSchedules(now: Date): Promise<Schedule[]> {
    return this.db.prepare(`SELECT ${COLUMNS} FROM schedules WHERE state = 'scheduled' AND due_at <= ? ORDER BY due_at, issue`).all(now.toISOString()) as Schedule[];
  }

  async moveSchedule(issue: number, from: ScheduleState[], to: ScheduleState, options: { now: Date; by?: string; detail?: string; dueBy?: Date }): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE schedules SET state = @to, claimed_by = COALESCE(@by, claimed_by), detail = @detail, updated_at = @now
          WHERE issue = @issue AND state IN (SELECT value FROM json_each(@from)) AND (@dueBy IS NULL OR due_at <= @dueBy)`,
      )
      .run({ issue, to, from: JSON.stringify(from), by: options.by ?? null, detail: options.detail ?? null, now: options.now.toISOString(), dueBy: options.dueBy?.toISOString() ?? null });
    return result.changes === 1;
  }

  async countClick(issue: number, link: number, now: Date): Promise<void> {
    this.db
      .prepare("INSERT INTO link_clicks (issue, link, day, clicks) VALUES (?, ?, ?, 1) ON CONFLICT (issue, link, day) DO UPDATE SET clicks = clicks + 1")
      .run(issue, link, now.toISOString().slice(0, 10));
  }

  async clicksByLink(issue: number): Promise<Map<number, number>> {
    const rows = this.db.prepare("SELECT link, sum(clicks) AS clicks FROM link_clicks WHERE issue = ? GROUP BY link").all(issue) as { link: number; clicks: number }[];
    return new Map(rows.map((r) => [r.link, r.clicks]));
  }

  async subscriberEvents(): Promise<SubscriberEvent[]> {
    return this.db
      .prepare("SELECT created_at AS createdAt, confirmed_at AS confirmedAt, unsubscribed_at AS unsubscribedAt, status, updated_at AS updatedAt FROM subscribers ORDER BY id")
      .all() as SubscriberEvent[];
  }
}
