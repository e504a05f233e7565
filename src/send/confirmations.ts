import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Newsletter } from "../model/newsletter.ts";
import type { ConfirmationOutcome, QueuedConfirmation, SignupStore } from "../store/store.ts";
import type { PreparedMessage } from "./message.ts";
import { signConfirmToken } from "./tokens.ts";
import { backoff, workerId, type RetryPolicy } from "./campaign.ts";
import { asSendFailure, type Transport } from "./transport.ts";

export interface ConfirmationMailerOptions {
  message: PreparedMessage;
  transport: Transport;
  store: SignupStore;
  secret: Buffer;
  newsletter: Newsletter;
  /** How long a confirmation link stays valid. */
  ttlMs: number;
  /** Base of the confirmation links (the server's public URL). */
  linkBase: () => string;
  now: () => Date;
  /** Attempts per mail for temporary failures, and their back-off (as for issues). */
  retry?: RetryPolicy;
  /** How long a claim on a mail lasts: a server that dies holding it frees it after this (default 10 minutes). */
  claimMs?: number;
  /** Mails in flight at once (default 2): the server sets it to the SMTP pool size, or 16 for the local outbox. */
  inFlight?: number;
  /** This mailer's claims on mails are held under this name (default: one of its own). */
  server?: string;
  /**
   * Least time between two claims while mails keep coming (default 20 ms),
   * so that under a rush each claim takes a batch rather than a mail or
   * two: with SQLite every claim is a write the server's signups wait for.
   * A claim that finds the queue empty, or takes a full batch, does not wait.
   */
  claimGapMs?: number;
  /** How often to look for mails queued by other servers (default 10 s). */
  pollMs?: number;
  /** Past this backlog (see backlogMs) `behind()` says signups should wait (default: never). */
  backlogLimitMs?: number;
  /** A mail still queued this long after it was asked for is skipped, not sent (default 1 hour). */
  maxAgeMs?: number;
  /** A mail that could not be sent, or (mail undefined) the queue that could not be read. */
  onError?: (err: Error, mail: QueuedConfirmation | undefined) => void;
}

/**
 * Sends confirmation mails off the request path, so a signup answers at
 * once, the same way whether or not a mail goes out, and a slow relay never
 * holds up the page. The queue is the store's confirmation_mails table: a
 * burst of signups waits there rather than in memory, and mails queued when
 * the server stopped go out when it starts again. With several servers on
 * one database each mail is claimed by one of them before it is sent, so
 * it goes out once. `inFlight` mails in flight at
 * most; each mail's outcome (sent, failed with the relay's reason, or
 * skipped) is recorded on its row; temporary failures are retried with
 * back-off.
 */
export class ConfirmationMailer {
  /** This server among all those sharing the database: its claims on mails are its own. */
  private readonly server: string;
  private readonly poll: NodeJS.Timeout;
  private running = 0;
  private batch: QueuedConfirmation[] = [];
  /** The mails claimed and not yet settled, with when each was asked for: the oldest of the queue. */
  private readonly held = new Map<number, number>();
  /** Outcomes not yet recorded: written in one commit before the next claim, and on close. */
  private outcomes: ConfirmationOutcome[] = [];
  private idle: (() => void)[] = [];
  private filling = false;
  /** A claim put off until the gap since the last one has passed. */
  private waiting: NodeJS.Timeout | undefined;
  private lastClaim = { at: -Infinity, taken: 0 };
  private again = false;
  private closed = false;
  private readonly domain: string;

  constructor(private readonly options: ConfirmationMailerOptions) {
    this.domain = options.newsletter.sender.email.split("@")[1]!;
    this.server = options.server ?? workerId();
    // Another server may have queued mails, or died holding some: look now and then as well as when woken.
    this.poll = setInterval(() => this.wake(), options.pollMs ?? 10_000);
    this.poll.unref();
  }

  /** Where the mails go, for people. */
  get description(): string {
    return this.options.transport.description;
  }

  /** Looks for queued mails: call after queueing one, and once at start. */
  wake(): void {
    if (!this.closed) this.pump();
  }

  /**
   * How long the oldest mail this mailer holds has waited since its signup
   * (0 with none): claims take the oldest first, so this is how far behind
   * the signups the mails are going out.
   */
  backlogMs(): number {
    const now = this.options.now().getTime();
    let oldest = now;
    for (const at of this.held.values()) oldest = Math.min(oldest, at);
    return now - oldest;
  }

  /** Seconds a reader should wait before signing up (Retry-After) when the mails run further behind than the limit; else undefined. */
  behind(): number | undefined {
    const limit = this.options.backlogLimitMs ?? 0;
    return limit > 0 && this.backlogMs() > limit ? Math.ceil(limit / 1000) : undefined;
  }

  /** Resolves once no queued mail is left unsent. */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.pump();
    });
  }

  /** Finishes the mails in flight (those still queued stay queued for the next start), then closes the transport. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    clearTimeout(this.waiting);
    this.waiting = undefined;
    for (const mail of this.batch) this.held.delete(mail.mailId);
    this.batch = [];
    if (this.running > 0 || this.filling) await new Promise<void>((resolve) => this.idle.push(resolve));
    // What was sent is recorded before the claims go back, or another server would send it again.
    await this.flush().catch((err: Error) => this.options.onError?.(err, undefined));
    // Claimed but not sent: the next server to look sends them.
    await this.options.store.releaseConfirmations(this.server).catch(() => {});
    await this.options.transport.close();
  }

  /** Starts filling free slots from the queue; one filler at a time, rerun when asked again meanwhile. */
  private pump(): void {
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    void this.fill()
      .catch((err: Error) => this.options.onError?.(err, undefined))
      .finally(() => {
        this.filling = false;
        if (this.again) {
          this.again = false;
          this.pump();
        } else this.settleIdle();
      });
  }

  private async fill(): Promise<void> {
    const inFlight = this.options.inFlight ?? 2;
    const limit = Math.max(10, inFlight * 8);
    while (this.running < inFlight && !this.closed) {
      if (this.batch.length === 0) {
        if (this.waiting) break;
        // Mails trickling in under a rush: wait for more to gather (the last claim found some, but not a full batch).
        const wait = this.lastClaim.taken > 0 && this.lastClaim.taken < limit ? this.lastClaim.at + (this.options.claimGapMs ?? 20) - performance.now() : 0;
        if (wait > 0) {
          this.waiting = setTimeout(() => {
            this.waiting = undefined;
            this.pump();
          }, wait);
          break;
        }
        // The outcomes so far are recorded in the claim's own commit.
        const settle = this.outcomes.splice(0);
        try {
          this.batch = await this.options.store.claimConfirmations(this.server, limit, this.options.claimMs ?? 10 * 60_000, settle);
        } catch (err) {
          this.outcomes.unshift(...settle);
          throw err;
        }
        this.lastClaim = { at: performance.now(), taken: this.batch.length };
        for (const mail of this.batch) this.held.set(mail.mailId, Date.parse(mail.requestedAt));
        if (this.batch.length === 0 || this.closed) break;
      }
      const mail = this.batch.shift()!;
      this.running++;
      void this.deliver(mail)
        .catch((err: Error) => this.options.onError?.(err, mail))
        .finally(() => {
          this.held.delete(mail.mailId);
          this.running--;
          this.pump();
        });
    }
  }

  /** Records the outcomes so far in one commit; those that fail to record stay for the next try. */
  private async flush(): Promise<void> {
    const outcomes = this.outcomes.splice(0);
    try {
      await this.options.store.recordConfirmationMails(outcomes);
    } catch (err) {
      this.outcomes.unshift(...outcomes);
      throw err;
    }
  }

  private settleIdle(): void {
    if (!this.filling && !this.waiting && this.running === 0 && (this.batch.length === 0 || this.closed)) for (const resolve of this.idle.splice(0)) resolve();
  }

  private async deliver(mail: QueuedConfirmation): Promise<void> {
    const { options } = this;
    const now = options.now();
    const record = (state: ConfirmationOutcome["state"], detail: string, at: Date) => void this.outcomes.push({ mailId: mail.mailId, state, detail, at });
    const skip = (why: string) => record("skipped", why, now);
    if (!mail.nonce) return skip("the subscriber left before it was sent");
    if (mail.subscriber.status === "confirmed") return skip("already confirmed");
    if (now.getTime() - Date.parse(mail.requestedAt) > (options.maxAgeMs ?? 3600_000)) return skip("queued too long to be worth sending");
    const token = signConfirmToken(options.secret, { id: mail.subscriber.id, email: mail.subscriber.email, nonce: mail.nonce }, new Date(now.getTime() + options.ttlMs));
    const raw = options.message.build({
      email: mail.subscriber.email,
      name: null,
      messageId: `<confirm.${mail.mailId}.${randomBytes(6).toString("hex")}@${this.domain}>`,
      confirmUrl: new URL(`confirm/${token}`, options.linkBase()).href,
      date: now,
    });
    const retry = options.retry ?? { attempts: 3, baseDelayMs: 2000, maxDelayMs: 30_000 };
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await options.transport.send({ from: options.message.from, to: mail.subscriber.email }, raw, `${now.getTime()}-${mail.mailId}`);
        record("sent", response, options.now());
        return;
      } catch (err) {
        const failure = asSendFailure(err);
        if (failure.kind === "permanent" || attempt >= retry.attempts) {
          record("failed", `${failure.reason}: ${failure.message}`, options.now());
          options.onError?.(failure, mail);
          return;
        }
        await sleep(backoff(retry, attempt));
      }
    }
  }
}
