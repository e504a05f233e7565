import type pg from "pg";
import type { ClickStore, ReportStore, Schedule, ScheduleState, ScheduleStore, SubscriberEvent } from "../schedules.ts";
import { iso } from "./rows.ts";

const COLUMNS = "issue, due_at, state, email_hash, claimed_by, detail, updated_at";

/** Schedules and click counts in PostgreSQL: the same as SQLite's, shared by every server and worker. */
export class PostgresSchedules implements ScheduleStore, ClickStore, ReportStore {
  constructor(private readonly pool: pg.Pool) {}

  async scheduleSend(issue: number, dueAt: Date, emailHash: string, now: Date): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO schedules (issue, due_at, state, email_hash, created_at, updated_at) VALUES ($1, $2, 'scheduled', $3, $4, $4)
       ON CONFLICT (issue) DO UPDATE SET due_at = $2, state = 'scheduled', email_hash = $3, claimed_by = NULL, detail = NULL, updated_at = $4
       WHERE schedules.state <> 'firing'`,
      [issue, dueAt, emailHash, now],
    );
    return result.rowCount === 1;
  }

  async listSchedules(): Promise<Schedule[]> {
    return (await this.pool.query(`SELECT ${COLUMNS} FROM schedules ORDER BY due_at, issue`)).rows.map(schedule);
  }

  async getSchedule(issue: number): Promise<Schedule | undefined> {
    const row = (await this.pool.query(`SELECT ${COLUMNS} FROM schedules WHERE issue = $1`, [issue])).rows[0];
    return row ? schedule(row) : undefined;
  }

  async dueSchedules(now: Date): Promise<Schedule[]> {
    return (await this.pool.query(`SELECT ${COLUMNS} FROM schedules WHERE state = 'scheduled' AND due_at <= $1 ORDER BY due_at, issue`, [now])).rows.map(schedule);
  }

  async moveSchedule(issue: number, from: ScheduleState[], to: ScheduleState, options: { now: Date; by?: string; detail?: string; dueBy?: Date }): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE schedules SET state = $2, claimed_by = COALESCE($3, claimed_by), detail = $4, updated_at = $5
        WHERE issue = $1 AND state = ANY($6::text[]) AND ($7::timestamptz IS NULL OR due_at <= $7)`,
      [issue, to, options.by ?? null, options.detail ?? null, options.now, from, options.dueBy ?? null],
    );
    return result.rowCount === 1;
  }

  async countClick(issue: number, link: number, now: Date): Promise<void> {
    await this.pool.query(
      "INSERT INTO link_clicks (issue, link, day, clicks) VALUES ($1, $2, $3::date, 1) ON CONFLICT (issue, link, day) DO UPDATE SET clicks = link_clicks.clicks + 1",
      [issue, link, now.toISOString().slice(0, 10)],
    );
  }

  async subscriberEvents(): Promise<SubscriberEvent[]> {
    const rows = (await this.pool.query("SELECT created_at, confirmed_at, unsubscribed_at, status, updated_at FROM subscribers ORDER BY id")).rows as Record<string, unknown>[];
    return rows.map((r) => ({ createdAt: iso(r.created_at), confirmedAt: optionalIso(r.confirmed_at), unsubscribedAt: optionalIso(r.unsubscribed_at), status: String(r.status), updatedAt: iso(r.updated_at) }));
  }

  async clicksByLink(issue: number): Promise<Map<number, number>> {
    const rows = (await this.pool.query<{ link: number; clicks: string }>("SELECT link, sum(clicks) AS clicks FROM link_clicks WHERE issue = $1 GROUP BY link", [issue])).rows;
    return new Map(rows.map((r) => [r.link, Number(r.clicks)]));
  }
}

function optionalIso(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

function schedule(row: Record<string, unknown>): Schedule {
  return {
    issue: Number(row.issue),
    dueAt: iso(row.due_at),
    state: row.state as ScheduleState,
    emailHash: String(row.email_hash),
    claimedBy: (row.claimed_by as string | null) ?? null,
    detail: (row.detail as string | null) ?? null,
    updatedAt: iso(row.updated_at),
  };
}
