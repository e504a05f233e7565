import { randomBytes } from "node:crypto";
import pg from "pg";
import type { NewSubscriber, Subscriber, SubscriberStatus } from "../../model/subscriber.ts";
import { newNonce } from "../../nonce.ts";
import {
  StoreError,
  type ConfirmationOutcome,
  type ConfirmationState,
  type ConfirmTarget,
  type QueuedConfirmation,
  type SignupDecision,
  type SignupStore,
  type SignupThrottle,
  type SubscriberStore,
  type TableDump,
} from "../store.ts";
import type { FeedbackStore } from "../feedback.ts";
import { inTransaction } from "./transaction.ts";
import { loadTables } from "./load.ts";
import { migratePostgres } from "./migrate.ts";
import { PostgresFeedbackStore } from "./postgres-feedback.ts";
import { PostgresLedger } from "./postgres-ledger.ts";
import { PostgresSchedules } from "./postgres-schedules.ts";
import { iso, subscriberRow as subscriber } from "./rows.ts";

// PostgreSQL's SQL lives here and in migrations/: the same queries as
// SQLite's, in PostgreSQL's dialect ($n parameters, timestamptz, row locks
// where two processes may race). Timestamps leave as ISO strings, as
// SQLite stores them, so callers see one shape.

const COLUMNS = "s.id, s.email, s.name, s.status, s.source, s.created_at, s.updated_at";

type Queryable = Pick<pg.ClientBase, "query">;

export class PostgresStore extends PostgresLedger implements SubscriberStore, SignupStore {
  private constructor(
    pool: pg.Pool,
    /** What opening did to the schema: the migrations it applied, and the version now. */
    readonly migrations: { applied: number[]; version: number },
  ) {
    super(pool);
    this.schedules = new PostgresSchedules(pool);
    this.feedback = new PostgresFeedbackStore(pool);
  }

  /** Scheduled sends and click counts. */
  readonly schedules: PostgresSchedules;

  /** Feedback events and reports, on the same pool (see postgres-feedback.ts). */
  readonly feedback: FeedbackStore;

  /** Connects, migrates (one process at a time), and returns the store. */
  static async open(url: string, options: { poolSize?: number } = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 8, application_name: "gazette" });
    // An idle connection the server dropped must not take the process down.
    pool.on("error", () => {});
    let migrations: { applied: number[]; version: number };
    try {
      const client = await pool.connect();
      try {
        migrations = await migratePostgres(client);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return new PostgresStore(pool, migrations);
  }

  async addSubscriber(input: NewSubscriber): Promise<Subscriber> {
    try {
      return subscriber((await insertSubscriber(this.pool, input, false)).rows[0]!);
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new StoreError("DUPLICATE", `${input.email} is already a subscriber`);
      throw err;
    }
  }

  async importSubscribers(rows: Iterable<NewSubscriber> | AsyncIterable<NewSubscriber>): Promise<{ added: number; existing: number }> {
    return this.tx(async (c) => {
      let added = 0;
      let total = 0;
      for await (const input of rows) {
        total++;
        added += (await insertSubscriber(c, input, true)).rowCount ?? 0;
      }
      return { added, existing: total - added };
    });
  }

  async removeSubscriber(email: string): Promise<boolean> {
    return ((await this.pool.query("DELETE FROM subscribers WHERE email = $1", [email])).rowCount ?? 0) > 0;
  }

  async findSubscriber(email: string): Promise<Subscriber | undefined> {
    const row = (await this.pool.query(`SELECT ${COLUMNS} FROM subscribers s WHERE s.email = $1`, [email])).rows[0];
    return row && subscriber(row);
  }

  async getSubscriber(id: number): Promise<Subscriber | undefined> {
    const row = (await this.pool.query(`SELECT ${COLUMNS} FROM subscribers s WHERE s.id = $1`, [id])).rows[0];
    return row && subscriber(row);
  }

  async setStatus(id: number, status: SubscriberStatus): Promise<void> {
    // Leaving (unsubscribed, bounced, complained) drops the confirmation nonce.
    const result = await this.pool.query(
      `UPDATE subscribers SET status = $2, updated_at = now(),
         confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END,
         unsubscribed_at = CASE WHEN $2 = 'unsubscribed' THEN now() ELSE unsubscribed_at END,
         confirm_nonce = CASE WHEN $2 IN ('pending', 'confirmed') THEN confirm_nonce END
       WHERE id = $1`,
      [id, status],
    );
    if (result.rowCount === 0) throw new StoreError("NOT_FOUND", `no subscriber ${id}`);
  }

  async countSubscribers(status?: SubscriberStatus): Promise<number> {
    const result = status
      ? await this.pool.query("SELECT count(*)::int AS n FROM subscribers WHERE status = $1", [status])
      : await this.pool.query("SELECT count(*)::int AS n FROM subscribers");
    return result.rows[0].n as number;
  }

  async listSubscribers(options: { status?: SubscriberStatus; afterId?: number; limit: number }): Promise<Subscriber[]> {
    const result = await this.pool.query(
      `SELECT ${COLUMNS} FROM subscribers s WHERE ($1::text IS NULL OR s.status = $1) AND s.id > $2 ORDER BY s.id LIMIT $3`,
      [options.status ?? null, options.afterId ?? 0, options.limit],
    );
    return result.rows.map(subscriber);
  }

  async requestSignup(email: string, options: { source: string; now: Date; throttle: SignupThrottle }): Promise<SignupDecision> {
    const at = options.now.toISOString();
    return this.tx(async (c) => {
      // Two servers may take the same address at once: the insert decides, and the row lock serialises the rest.
      const inserted = await c.query(
        `INSERT INTO subscribers (email, status, source, created_at, updated_at, confirm_nonce) VALUES ($1, 'pending', $2, $3, $3, $4)
         ON CONFLICT (email) DO NOTHING RETURNING ${COLUMNS.replace(/s\./g, "")}`,
        [email, options.source, at, newNonce()],
      );
      if (inserted.rows[0]) {
        const fresh = subscriber(inserted.rows[0]);
        await queueMail(c, fresh.id, at);
        return { subscriber: fresh, mailQueued: true };
      }
      const row = (await c.query(`SELECT ${COLUMNS}, s.confirm_nonce FROM subscribers s WHERE s.email = $1 FOR UPDATE`, [email])).rows[0];
      const known = subscriber(row);
      if (known.status !== "pending" && known.status !== "unsubscribed") return { subscriber: known, mailQueued: false };
      if (!row.confirm_nonce) await c.query("UPDATE subscribers SET confirm_nonce = $2, updated_at = $3 WHERE id = $1", [known.id, newNonce(), at]);
      const dayAgo = new Date(options.now.getTime() - 24 * 3600_000).toISOString();
      const recent = (await c.query("SELECT count(*)::int AS n, max(requested_at) AS last FROM confirmation_mails WHERE subscriber_id = $1 AND requested_at > $2", [known.id, dayAgo]))
        .rows[0] as { n: number; last: Date | null };
      const tooSoon = recent.last !== null && options.now.getTime() - recent.last.getTime() < options.throttle.minIntervalMs;
      if (tooSoon || recent.n >= options.throttle.maxPerDay) return { subscriber: known, mailQueued: false };
      await queueMail(c, known.id, at);
      return { subscriber: known, mailQueued: true };
    });
  }

  async claimConfirmations(server: string, limit: number, leaseMs: number, settle: ConfirmationOutcome[] = []): Promise<QueuedConfirmation[]> {
    await this.recordConfirmationMails(settle);
    const result = await this.pool.query(
      `WITH claimable AS (
         SELECT id FROM confirmation_mails WHERE state = 'queued' AND (claimed_by IS NULL OR claimed_until < now())
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE confirmation_mails m SET claimed_by = $1, claimed_until = now() + $3 * interval '1 millisecond'
           FROM claimable c WHERE m.id = c.id RETURNING m.id, m.requested_at, m.subscriber_id)
       SELECT c.id AS mail_id, c.requested_at, s.id, s.email, s.status, s.confirm_nonce
         FROM claimed c JOIN subscribers s ON s.id = c.subscriber_id ORDER BY c.id`,
      [server, limit, leaseMs],
    );
    return result.rows.map((r) => ({
      mailId: r.mail_id,
      requestedAt: iso(r.requested_at),
      subscriber: { id: r.id, email: r.email, status: r.status },
      nonce: r.confirm_nonce,
    }));
  }

  async releaseConfirmations(server: string): Promise<void> {
    await this.pool.query("UPDATE confirmation_mails SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1 AND state = 'queued'", [server]);
  }

  async recordConfirmationMails(outcomes: ConfirmationOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.pool.query(
      `UPDATE confirmation_mails m SET state = o.state, detail = o.detail, updated_at = o.at
         FROM unnest($1::integer[], $2::text[], $3::text[], $4::timestamptz[]) AS o (id, state, detail, at) WHERE m.id = o.id`,
      [outcomes.map((o) => o.mailId), outcomes.map((o) => o.state), outcomes.map((o) => o.detail.slice(0, 1000)), outcomes.map((o) => o.at.toISOString())],
    );
  }

  async confirmTarget(id: number): Promise<ConfirmTarget | undefined> {
    const row = (await this.pool.query("SELECT email, confirm_nonce FROM subscribers WHERE id = $1", [id])).rows[0];
    return row && { id, email: row.email, nonce: row.confirm_nonce };
  }

  async confirmSubscriber(id: number, nonce: string, now: Date): Promise<"confirmed" | "already" | "stale"> {
    const result = await this.pool.query(
      `UPDATE subscribers SET status = 'confirmed', confirmed_at = $3, updated_at = $3
        WHERE id = $1 AND confirm_nonce = $2 AND status <> 'confirmed'`,
      [id, nonce, now.toISOString()],
    );
    if ((result.rowCount ?? 0) > 0) return "confirmed";
    const row = (await this.pool.query("SELECT status, confirm_nonce FROM subscribers WHERE id = $1", [id])).rows[0];
    return row?.confirm_nonce === nonce && row.status === "confirmed" ? "already" : "stale";
  }

  async unsubscribe(id: number, now: Date): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $2, updated_at = $2, confirm_nonce = NULL
        WHERE id = $1 AND status IN ('pending', 'confirmed')`,
      [id, now.toISOString()],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async resubscribe(id: number, since: Date, now: Date): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE subscribers SET status = 'confirmed', confirmed_at = $3, updated_at = $3
        WHERE id = $1 AND status = 'unsubscribed' AND unsubscribed_at >= $2`,
      [id, since.toISOString(), now.toISOString()],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async confirmationMails(subscriberId: number): Promise<{ id: number; state: ConfirmationState; requestedAt: string; detail: string | null }[]> {
    const result = await this.pool.query("SELECT id, state, requested_at, detail FROM confirmation_mails WHERE subscriber_id = $1 ORDER BY id", [subscriberId]);
    return result.rows.map((r) => ({ id: r.id, state: r.state, requestedAt: iso(r.requested_at), detail: r.detail }));
  }

  /** gazette db copy: the tables of a SQLite store, in one transaction (see load.ts); returns the rows copied by table. */
  async copyFrom(tables: TableDump[], options: { force: boolean; settings?: Record<string, string> }): Promise<Record<string, number>> {
    const client = await this.pool.connect();
    try {
      return await loadTables(client, tables, options);
    } finally {
      client.release();
    }
  }

  async sharedSecret(): Promise<Buffer> {
    await this.pool.query("INSERT INTO settings (name, value) VALUES ('secret', $1) ON CONFLICT (name) DO NOTHING", [randomBytes(32).toString("base64url")]);
    const row = (await this.pool.query("SELECT value FROM settings WHERE name = 'secret'")).rows[0] as { value: string };
    return Buffer.from(row.value, "base64url");
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Runs `fn` in one transaction on one connection. */
  private tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }
}

function insertSubscriber(db: Queryable, input: NewSubscriber, skipExisting: boolean) {
  return db.query(
    `INSERT INTO subscribers (email, name, status, source, created_at, updated_at, confirmed_at)
     VALUES ($1, $2, $3, $4, now(), now(), CASE WHEN $3 = 'confirmed' THEN now() END)
     ${skipExisting ? "ON CONFLICT (email) DO NOTHING" : ""} RETURNING id, email, name, status, source, created_at, updated_at`,
    [input.email, input.name ?? null, input.status ?? "confirmed", input.source ?? null],
  );
}

function queueMail(db: Queryable, subscriberId: number, at: string) {
  return db.query("INSERT INTO confirmation_mails (subscriber_id, requested_at, state, updated_at) VALUES ($1, $2, 'queued', $2)", [subscriberId, at]);
}
