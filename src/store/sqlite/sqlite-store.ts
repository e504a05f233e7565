import Database from "better-sqlite3";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Delivery, DeliveryState, NewSubscriber, Subscriber, SubscriberStatus } from "../../model/subscriber.ts";
import { newNonce } from "../../nonce.ts";
import { packagePath } from "../../paths.ts";
import {
  StoreError,
  type ConfirmationState,
  type ConfirmTarget,
  type DeliveryLedger,
  type Outcome,
  type QueuedConfirmation,
  type SignupDecision,
  type SignupStore,
  type SignupThrottle,
  type SubscriberStore,
} from "../store.ts";

// SQLite's SQL lives here and in migrations/. WAL with synchronous=NORMAL: a commit survives
// the process being killed (not a power cut), at tens of thousands of
// single-row commits a second, so the ledger is never the bottleneck.

const MIGRATIONS = packagePath("src/store/sqlite/migrations");

/** A delivery row (d) that leaves its subscriber still owed the issue: none yet, deferred, or uncertain when asked. */
const OWED = "(d.state IS NULL OR d.state IN ('queued', 'deferred') OR (@includeUncertain = 1 AND d.state = 'uncertain'))";

type Row = Record<string, unknown>;

/**
 * The embedded store. better-sqlite3 is synchronous: each method does its
 * work at once and hands back a settled promise, so the callers written for
 * PostgreSQL serve it too, at the cost of one microtask per call.
 */
export class SqliteStore implements SubscriberStore, DeliveryLedger, SignupStore {
  private readonly db: Database.Database;
  private readonly stmt: Record<string, Database.Statement>;

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    migrate(this.db);
    const columns = "id, email, name, status, source, created_at AS createdAt, updated_at AS updatedAt";
    this.stmt = {
      insert: this.db.prepare(
        `INSERT INTO subscribers (email, name, status, source, created_at, updated_at, confirmed_at)
         VALUES (@email, @name, @status, @source, @now, @now, CASE WHEN @status = 'confirmed' THEN @now END)`,
      ),
      byEmail: this.db.prepare(`SELECT ${columns} FROM subscribers WHERE email = ?`),
      byId: this.db.prepare(`SELECT ${columns} FROM subscribers WHERE id = ?`),
      remove: this.db.prepare("DELETE FROM subscribers WHERE email = ?"),
      // Leaving (unsubscribed, bounced, complained) drops the confirmation nonce.
      setStatus: this.db.prepare(
        `UPDATE subscribers SET status = @status, updated_at = @now,
           confirmed_at = CASE WHEN @status = 'confirmed' THEN @now ELSE confirmed_at END,
           unsubscribed_at = CASE WHEN @status = 'unsubscribed' THEN @now ELSE unsubscribed_at END,
           confirm_nonce = CASE WHEN @status IN ('pending', 'confirmed') THEN confirm_nonce END
         WHERE id = @id`,
      ),
      insertPending: this.db.prepare(
        `INSERT INTO subscribers (email, status, source, created_at, updated_at, confirm_nonce)
         VALUES (@email, 'pending', @source, @now, @now, @nonce)`,
      ),
      nonceOf: this.db.prepare("SELECT email, confirm_nonce AS nonce FROM subscribers WHERE id = ?"),
      setNonce: this.db.prepare("UPDATE subscribers SET confirm_nonce = @nonce, updated_at = @now WHERE id = @id"),
      recentMails: this.db.prepare(
        "SELECT count(*) AS n, max(requested_at) AS last FROM confirmation_mails WHERE subscriber_id = ? AND requested_at > ?",
      ),
      queueMail: this.db.prepare(
        "INSERT INTO confirmation_mails (subscriber_id, requested_at, state, updated_at) VALUES (@id, @now, 'queued', @now)",
      ),
      queued: this.db.prepare(
        `SELECT m.id AS mailId, m.requested_at AS requestedAt, s.id, s.email, s.status, s.confirm_nonce AS nonce
           FROM confirmation_mails m JOIN subscribers s ON s.id = m.subscriber_id
          WHERE m.state = 'queued' AND m.id > ? ORDER BY m.id LIMIT ?`,
      ),
      settleMail: this.db.prepare("UPDATE confirmation_mails SET state = @state, detail = @detail, updated_at = @now WHERE id = @id"),
      mailsOf: this.db.prepare(
        "SELECT id, state, requested_at AS requestedAt, detail FROM confirmation_mails WHERE subscriber_id = ? ORDER BY id",
      ),
      confirm: this.db.prepare(
        `UPDATE subscribers SET status = 'confirmed', confirmed_at = @now, updated_at = @now
          WHERE id = @id AND confirm_nonce = @nonce AND status <> 'confirmed'`,
      ),
      unsubscribe: this.db.prepare(
        `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = @now, updated_at = @now, confirm_nonce = NULL
          WHERE id = @id AND status IN ('pending', 'confirmed')`,
      ),
      resubscribe: this.db.prepare(
        `UPDATE subscribers SET status = 'confirmed', confirmed_at = @now, updated_at = @now
          WHERE id = @id AND status = 'unsubscribed' AND unsubscribed_at >= @since`,
      ),
      countAll: this.db.prepare("SELECT count(*) AS n FROM subscribers"),
      countStatus: this.db.prepare("SELECT count(*) AS n FROM subscribers WHERE status = ?"),
      pageAll: this.db.prepare(`SELECT ${columns} FROM subscribers WHERE id > ? ORDER BY id LIMIT ?`),
      pageStatus: this.db.prepare(`SELECT ${columns} FROM subscribers WHERE status = ? AND id > ? ORDER BY id LIMIT ?`),
      countOwed: this.db.prepare(
        `SELECT count(*) AS n FROM subscribers s LEFT JOIN deliveries d ON d.issue = @issue AND d.subscriber_id = s.id
          WHERE s.status = 'confirmed' AND ${OWED}`,
      ),
      uncertain: this.db.prepare("UPDATE deliveries SET state = 'uncertain', updated_at = ? WHERE issue = ? AND state = 'sending'"),
      owed: this.db.prepare(
        `SELECT ${columns.split(", ").map((c) => `s.${c}`).join(", ")}
           FROM subscribers s LEFT JOIN deliveries d ON d.issue = @issue AND d.subscriber_id = s.id
          WHERE s.status = 'confirmed' AND s.id > @afterId AND ${OWED}
          ORDER BY s.id LIMIT @limit`,
      ),
      begin: this.db.prepare(
        `INSERT INTO deliveries (issue, subscriber_id, state, attempts, message_id, updated_at)
         SELECT @issue, @id, 'sending', 1, @messageId, @now FROM subscribers WHERE id = @id AND status = 'confirmed'
         ON CONFLICT (issue, subscriber_id) DO UPDATE SET state = 'sending', attempts = attempts + 1, updated_at = @now`,
      ),
      skip: this.db.prepare(
        // From subscribers: one removed meanwhile has nothing left to record against.
        `INSERT INTO deliveries (issue, subscriber_id, state, attempts, message_id, updated_at, error)
         SELECT @issue, @id, 'skipped', 0, @messageId, @now, 'no longer confirmed' FROM subscribers WHERE id = @id
         ON CONFLICT (issue, subscriber_id) DO UPDATE SET state = 'skipped', updated_at = @now, error = 'no longer confirmed'`,
      ),
      outcome: this.db.prepare(
        `UPDATE deliveries SET state = @state, updated_at = @now,
           response = CASE WHEN @state = 'accepted' THEN @detail ELSE response END,
           error = CASE WHEN @state = 'accepted' THEN NULL ELSE @detail END
         WHERE issue = @issue AND subscriber_id = @id`,
      ),
      deliveries: this.db.prepare(
        `SELECT d.issue, d.subscriber_id AS subscriberId, s.email, d.state, d.attempts, d.message_id AS messageId, d.response, d.error
           FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue = ? ORDER BY d.subscriber_id`,
      ),
      deliveriesIn: this.db.prepare(
        `SELECT d.issue, d.subscriber_id AS subscriberId, s.email, d.state, d.attempts, d.message_id AS messageId, d.response, d.error
           FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue = ? AND d.state = ? ORDER BY d.subscriber_id`,
      ),
      byState: this.db.prepare("SELECT state, count(*) AS n FROM deliveries WHERE issue = ? GROUP BY state"),
    };
  }

  async addSubscriber(input: NewSubscriber): Promise<Subscriber> {
    try {
      const info = this.stmt.insert!.run(row(input));
      return this.stmt.byId!.get(Number(info.lastInsertRowid)) as Subscriber;
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new StoreError("DUPLICATE", `${input.email} is already a subscriber`);
      throw err;
    }
  }

  async importSubscribers(rows: NewSubscriber[]): Promise<{ added: number; existing: number }> {
    return this.db.transaction(() => {
      let added = 0;
      for (const input of rows) {
        if (this.stmt.byEmail!.get(input.email)) continue;
        this.stmt.insert!.run(row(input));
        added++;
      }
      return { added, existing: rows.length - added };
    })();
  }

  async removeSubscriber(email: string): Promise<boolean> {
    return this.stmt.remove!.run(email).changes > 0;
  }

  async findSubscriber(email: string): Promise<Subscriber | undefined> {
    return this.stmt.byEmail!.get(email) as Subscriber | undefined;
  }

  async getSubscriber(id: number): Promise<Subscriber | undefined> {
    return this.stmt.byId!.get(id) as Subscriber | undefined;
  }

  async setStatus(id: number, status: SubscriberStatus): Promise<void> {
    if (this.stmt.setStatus!.run({ id, status, now: now() }).changes === 0) throw new StoreError("NOT_FOUND", `no subscriber ${id}`);
  }

  async countSubscribers(status?: SubscriberStatus): Promise<number> {
    return ((status ? this.stmt.countStatus!.get(status) : this.stmt.countAll!.get()) as { n: number }).n;
  }

  async listSubscribers(options: { status?: SubscriberStatus; afterId?: number; limit: number }): Promise<Subscriber[]> {
    const after = options.afterId ?? 0;
    return (options.status ? this.stmt.pageStatus!.all(options.status, after, options.limit) : this.stmt.pageAll!.all(after, options.limit)) as Subscriber[];
  }

  async requestSignup(email: string, options: { source: string; now: Date; throttle: SignupThrottle }): Promise<SignupDecision> {
    const at = options.now.toISOString();
    return this.db.transaction((): SignupDecision => {
      const known = this.stmt.byEmail!.get(email) as Subscriber | undefined;
      if (!known) {
        const nonce = newNonce();
        const id = Number(this.stmt.insertPending!.run({ email, source: options.source, now: at, nonce }).lastInsertRowid);
        this.queueMail(id, at);
        return { subscriber: this.stmt.byId!.get(id) as Subscriber, mailQueued: true };
      }
      if (known.status !== "pending" && known.status !== "unsubscribed") return { subscriber: known, mailQueued: false };
      if (!(this.stmt.nonceOf!.get(known.id) as { nonce: string | null }).nonce) this.stmt.setNonce!.run({ id: known.id, nonce: newNonce(), now: at });
      const dayAgo = new Date(options.now.getTime() - 24 * 3600_000).toISOString();
      const recent = this.stmt.recentMails!.get(known.id, dayAgo) as { n: number; last: string | null };
      const tooSoon = recent.last !== null && options.now.getTime() - Date.parse(recent.last) < options.throttle.minIntervalMs;
      if (tooSoon || recent.n >= options.throttle.maxPerDay) return { subscriber: known, mailQueued: false };
      this.queueMail(known.id, at);
      return { subscriber: known, mailQueued: true };
    })();
  }

  private queueMail(subscriberId: number, at: string): void {
    this.stmt.queueMail!.run({ id: subscriberId, now: at });
  }

  async unsubscribe(id: number, now: Date): Promise<boolean> {
    return this.stmt.unsubscribe!.run({ id, now: now.toISOString() }).changes > 0;
  }

  async queuedConfirmations(afterId: number, limit: number): Promise<QueuedConfirmation[]> {
    type QueuedRow = { mailId: number; requestedAt: string; id: number; email: string; status: Subscriber["status"]; nonce: string | null };
    return (this.stmt.queued!.all(afterId, limit) as QueuedRow[]).map((r) => ({
      mailId: r.mailId,
      requestedAt: r.requestedAt,
      subscriber: { id: r.id, email: r.email, status: r.status },
      nonce: r.nonce,
    }));
  }

  async recordConfirmationMail(mailId: number, state: "sent" | "failed" | "skipped", detail: string, now: Date): Promise<void> {
    this.stmt.settleMail!.run({ id: mailId, state, detail: detail.slice(0, 1000), now: now.toISOString() });
  }

  async confirmTarget(id: number): Promise<ConfirmTarget | undefined> {
    const row = this.stmt.nonceOf!.get(id) as { email: string; nonce: string | null } | undefined;
    return row && { id, email: row.email, nonce: row.nonce };
  }

  async confirmSubscriber(id: number, nonce: string, now: Date): Promise<"confirmed" | "already" | "stale"> {
    if (this.stmt.confirm!.run({ id, nonce, now: now.toISOString() }).changes > 0) return "confirmed";
    const target = await this.confirmTarget(id);
    return target?.nonce === nonce && (await this.getSubscriber(id))?.status === "confirmed" ? "already" : "stale";
  }

  async resubscribe(id: number, since: Date, now: Date): Promise<boolean> {
    return this.stmt.resubscribe!.run({ id, since: since.toISOString(), now: now.toISOString() }).changes > 0;
  }

  async confirmationMails(subscriberId: number): Promise<{ id: number; state: ConfirmationState; requestedAt: string; detail: string | null }[]> {
    return this.stmt.mailsOf!.all(subscriberId) as { id: number; state: ConfirmationState; requestedAt: string; detail: string | null }[];
  }

  async markInFlightUncertain(issue: number): Promise<number> {
    return this.stmt.uncertain!.run(now(), issue).changes;
  }

  async countOwed(issue: number, includeUncertain: boolean): Promise<number> {
    return (this.stmt.countOwed!.get({ issue, includeUncertain: includeUncertain ? 1 : 0 }) as { n: number }).n;
  }

  async recipientsOwed(issue: number, options: { includeUncertain: boolean; afterId?: number; limit: number }): Promise<Subscriber[]> {
    return this.stmt.owed!.all({ issue, afterId: options.afterId ?? 0, limit: options.limit, includeUncertain: options.includeUncertain ? 1 : 0 }) as Subscriber[];
  }

  async beginAttempt(issue: number, subscriberId: number, messageId: string, settle: Outcome[] = []): Promise<boolean> {
    return this.db.transaction(() => {
      this.applyOutcomes(settle);
      const params = { issue, id: subscriberId, messageId, now: now() };
      if (this.stmt.begin!.run(params).changes > 0) return true;
      this.stmt.skip!.run(params);
      return false;
    })();
  }

  async recordOutcomes(outcomes: Outcome[]): Promise<void> {
    if (outcomes.length > 0) this.db.transaction(() => this.applyOutcomes(outcomes))();
  }

  private applyOutcomes(outcomes: Outcome[]): void {
    const at = now();
    for (const o of outcomes) this.stmt.outcome!.run({ issue: o.issue, id: o.subscriberId, state: o.state, detail: o.detail.slice(0, 1000), now: at });
  }

  async deliveries(issue: number, state?: DeliveryState): Promise<Delivery[]> {
    return (state ? this.stmt.deliveriesIn!.all(issue, state) : this.stmt.deliveries!.all(issue)) as Delivery[];
  }

  async countByState(issue: number): Promise<Partial<Record<DeliveryState, number>>> {
    const out: Partial<Record<DeliveryState, number>> = {};
    for (const r of this.stmt.byState!.all(issue) as { state: DeliveryState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Applies every migration newer than the file's user_version, each in its own transaction. */
function migrate(db: Database.Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{3}-.*\.sql$/.test(f)).sort();
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(readFileSync(path.join(MIGRATIONS, file), "utf8"));
        db.pragma(`user_version = ${version}`);
      })();
    } catch (cause) {
      throw new StoreError("MIGRATION", `migration ${file} failed: ${(cause as Error).message}`);
    }
  }
}

function row(input: NewSubscriber): Row {
  return { email: input.email, name: input.name ?? null, status: input.status ?? "confirmed", source: input.source ?? null, now: now() };
}

function now(): string {
  return new Date().toISOString();
}
