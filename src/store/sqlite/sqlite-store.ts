import Database from "better-sqlite3";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { NewSubscriber, Subscriber, SubscriberStatus } from "../../model/subscriber.ts";
import { newNonce } from "../../nonce.ts";
import { packagePath } from "../../paths.ts";
import type { FeedbackStore } from "../feedback.ts";
import { SqliteFeedbackStore } from "./sqlite-feedback.ts";
import { SqliteLedger } from "./sqlite-ledger.ts";
import { openSqliteFile, refuseForeign } from "./open-file.ts";
import { SqliteSchedules } from "./sqlite-schedules.ts";
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

// SQLite's SQL lives here and in migrations/. WAL with synchronous=NORMAL: a commit survives
// the process being killed (not a power cut), at tens of thousands of
// single-row commits a second, so the ledger is never the bottleneck.

const MIGRATIONS = packagePath("src/store/sqlite/migrations");

type Row = Record<string, unknown>;

/**
 * The embedded store. better-sqlite3 is synchronous: each method does its
 * work at once and hands back a settled promise, so the callers written for
 * PostgreSQL serve it too, at the cost of one microtask per call.
 */
export class SqliteStore extends SqliteLedger implements SubscriberStore, SignupStore {
  private readonly stmt: Record<string, Database.Statement>;
  /** What opening did to the schema: the migrations it applied, and the version now. */
  readonly migrations: { applied: number[]; version: number };
  /** Feedback events and reports, on the same connection (see sqlite-feedback.ts). */
  readonly feedback: FeedbackStore;
  /** Scheduled sends and click counts. */
  readonly schedules: SqliteSchedules;

  private readonly cleanup: () => void;

  /** `readOnly` opens without writing anything (no migration, no WAL set-up): for looking, as gazette send --dry-run does. */
  constructor(file: string, options: { readOnly?: boolean } = {}) {
    const { db, cleanup } = openSqliteFile(file, !!options.readOnly);
    let migrations: { applied: number[]; version: number };
    try {
      refuseForeign(db);
      if (options.readOnly) {
        migrations = { applied: [], version: db.pragma("user_version", { simple: true }) as number };
        if (migrations.version < latestMigration()) throw new StoreError("READ_ONLY", "needs its schema updated, which a read-only look cannot do: run any gazette command with write access first");
      } else {
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = NORMAL");
        db.pragma("foreign_keys = ON");
        // Several workers share the file: a writer waits its turn rather than failing.
        db.pragma("busy_timeout = 10000");
        migrations = migrate(db);
      }
    } catch (err) {
      db.close();
      cleanup();
      throw err;
    }
    super(db);
    this.cleanup = cleanup;
    this.migrations = migrations;
    this.feedback = new SqliteFeedbackStore(db);
    this.schedules = new SqliteSchedules(db);
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
      claimable: this.db.prepare(
        `SELECT m.id AS mailId, m.requested_at AS requestedAt, s.id, s.email, s.status, s.confirm_nonce AS nonce
           FROM confirmation_mails m JOIN subscribers s ON s.id = m.subscriber_id
          WHERE m.state = 'queued' AND (m.claimed_by IS NULL OR m.claimed_until < @now) ORDER BY m.id LIMIT @limit`,
      ),
      claimMail: this.db.prepare("UPDATE confirmation_mails SET claimed_by = @server, claimed_until = @until WHERE id = @id"),
      releaseMails: this.db.prepare("UPDATE confirmation_mails SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND state = 'queued'"),
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

  async importSubscribers(rows: Iterable<NewSubscriber> | AsyncIterable<NewSubscriber>): Promise<{ added: number; existing: number }> {
    const counts = { added: 0, existing: 0 };
    const insert = (input: NewSubscriber) => {
      if (this.stmt.byEmail!.get(input.email)) counts.existing++;
      else {
        this.stmt.insert!.run(row(input));
        counts.added++;
      }
    };
    if (Symbol.iterator in rows) {
      this.db.transaction(() => {
        for (const input of rows) insert(input);
      }).immediate();
      return counts;
    }
    // A stream of rows: one transaction held open across its reads (this
    // connection does nothing else meanwhile: it is the import's own).
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for await (const input of rows) insert(input);
      this.db.exec("COMMIT");
    } catch (err) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw err;
    }
    return counts;
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
    }).immediate();
  }

  private queueMail(subscriberId: number, at: string): void {
    this.stmt.queueMail!.run({ id: subscriberId, now: at });
  }

  async unsubscribe(id: number, now: Date): Promise<boolean> {
    return this.stmt.unsubscribe!.run({ id, now: now.toISOString() }).changes > 0;
  }

  async claimConfirmations(server: string, limit: number, leaseMs: number, settle: ConfirmationOutcome[] = []): Promise<QueuedConfirmation[]> {
    type QueuedRow = { mailId: number; requestedAt: string; id: number; email: string; status: Subscriber["status"]; nonce: string | null };
    return this.db.transaction(() => {
      this.settleMails(settle);
      const at = new Date();
      const rows = this.stmt.claimable!.all({ now: at.toISOString(), limit }) as QueuedRow[];
      const until = new Date(at.getTime() + leaseMs).toISOString();
      for (const r of rows) this.stmt.claimMail!.run({ id: r.mailId, server, until });
      return rows.map((r) => ({ mailId: r.mailId, requestedAt: r.requestedAt, subscriber: { id: r.id, email: r.email, status: r.status }, nonce: r.nonce }));
    }).immediate();
  }

  async releaseConfirmations(server: string): Promise<void> {
    this.stmt.releaseMails!.run(server);
  }

  async recordConfirmationMails(outcomes: ConfirmationOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    this.db.transaction(() => this.settleMails(outcomes)).immediate();
  }

  private settleMails(outcomes: ConfirmationOutcome[]): void {
    for (const o of outcomes) this.stmt.settleMail!.run({ id: o.mailId, state: o.state, detail: o.detail.slice(0, 1000), now: o.at.toISOString() });
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

  /**
   * Every table's rows, for gazette db copy: name, columns, and the rows a
   * page at a time (by rowid, so memory stays flat). The send pace is
   * transient and left out.
   */
  tables(): TableDump[] {
    const names = (this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'send_pace' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    return names.map((name) => {
      const columns = (this.db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(name) as { name: string }[]).map((c) => c.name);
      const count = (this.db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
      const page = this.db.prepare(`SELECT rowid AS _rowid_, ${columns.map((c) => `"${c}"`).join(", ")} FROM "${name}" WHERE rowid > ? ORDER BY rowid LIMIT 1000`).raw();
      function* rows(): Generator<unknown[][]> {
        let after = -Infinity;
        for (;;) {
          const batch = page.all(after) as unknown[][];
          if (batch.length === 0) return;
          after = batch[batch.length - 1]![0] as number;
          yield batch.map((r) => r.slice(1));
        }
      }
      return { name, columns, count, pages: rows };
    });
  }

  async close(): Promise<void> {
    this.db.close();
    this.cleanup();
  }

  /** SQLite's PRAGMA quick_check: the problems it finds (none for a sound file), a damaged page's error included. */
  async checkIntegrity(): Promise<string[]> {
    try {
      const rows = this.db.pragma("quick_check") as { quick_check: string }[];
      return rows.map((r) => r.quick_check).filter((r) => r !== "ok");
    } catch (err) {
      return [`${(err as { code?: string }).code ?? "error"}: ${(err as Error).message}`];
    }
  }
}

function latestMigration(): number {
  return Math.max(0, ...readdirSync(MIGRATIONS).filter((f) => /^\d{3}-.*\.sql$/.test(f)).map((f) => Number(f.slice(0, 3))));
}

/** Applies every migration newer than the file's user_version, each in its own transaction. */
function migrate(db: Database.Database): { applied: number[]; version: number } {
  const current = db.pragma("user_version", { simple: true }) as number;
  const applied: number[] = [];
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{3}-.*\.sql$/.test(f)).sort();
  refuseDuplicateVersions(files, "sqlite");
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(readFileSync(path.join(MIGRATIONS, file), "utf8"));
        db.pragma(`user_version = ${version}`);
      })();
      applied.push(version);
    } catch (cause) {
      throw new StoreError("MIGRATION", `migration sqlite/${file} failed: ${(cause as Error).message}`);
    }
  }
  return { applied, version: db.pragma("user_version", { simple: true }) as number };
}

/** Two migrations with one number: the second would be skipped on a new database (the version says it is applied). */
export function refuseDuplicateVersions(files: string[], backend: string): void {
  const seen = new Map<string, string>();
  for (const file of files) {
    const version = file.slice(0, 3);
    if (seen.has(version)) throw new StoreError("MIGRATION", `migrations ${backend}/${seen.get(version)} and ${backend}/${file} share the number ${version}: renumber one`);
    seen.set(version, file);
  }
}

function row(input: NewSubscriber): Row {
  return { email: input.email, name: input.name ?? null, status: input.status ?? "confirmed", source: input.source ?? null, now: now() };
}

function now(): string {
  return new Date().toISOString();
}
