import type { FeedbackStore } from "./feedback.ts";
import type { Delivery, DeliveryState, NewSubscriber, Subscriber, SubscriberStatus } from "../model/subscriber.ts";
import type { ClickStore, ReportStore, ScheduleStore } from "./schedules.ts";

// Every method returns a promise, so that one set of callers serves every
// backend (SQLite answers at once; PostgreSQL over the network).

/** Subscribers. The sender and the CLI see only this and DeliveryLedger, never SQL. */
export interface SubscriberStore {
  /** Adds one subscriber; throws StoreError DUPLICATE when the address is there. */
  addSubscriber(input: NewSubscriber): Promise<Subscriber>;
  /**
   * Adds many in one transaction; addresses already present are left as
   * they are. Rows may come as a stream (a CSV read a chunk at a time):
   * none is held beyond its insert, and if the stream fails nothing is added.
   */
  importSubscribers(rows: Iterable<NewSubscriber> | AsyncIterable<NewSubscriber>): Promise<{ added: number; existing: number }>;
  removeSubscriber(email: string): Promise<boolean>;
  findSubscriber(email: string): Promise<Subscriber | undefined>;
  getSubscriber(id: number): Promise<Subscriber | undefined>;
  setStatus(id: number, status: SubscriberStatus): Promise<void>;
  countSubscribers(status?: SubscriberStatus): Promise<number>;
  /** One page, by id: pass the last id seen to get the next page. */
  listSubscribers(options: { status?: SubscriberStatus; afterId?: number; limit: number }): Promise<Subscriber[]>;
  close(): Promise<void>;
}

/** How often one address may be sent a confirmation mail. */
export interface SignupThrottle {
  /** Least time between two confirmation mails to one address. */
  minIntervalMs: number;
  /** Most confirmation mails to one address in any 24 hours. */
  maxPerDay: number;
}

/** What became of one signup request. */
export interface SignupDecision {
  subscriber: Subscriber;
  /** A confirmation mail was queued: not when the address is confirmed, bounced or complained, or throttled. */
  mailQueued: boolean;
}

/** Double opt-in: signups, confirmation mails, confirming and coming back. */
export interface SignupStore {
  /**
   * In one transaction: adds a new address as pending; gives a known
   * pending or unsubscribed subscriber a confirmation nonce unless they hold
   * one (so links already mailed keep working); and queues a confirmation
   * mail unless the throttle says this address has had enough. Confirmed,
   * bounced and complained addresses get no mail.
   */
  requestSignup(email: string, options: { source: string; now: Date; throttle: SignupThrottle }): Promise<SignupDecision>;
  /**
   * Claims up to `limit` queued confirmation mails nobody else holds (or
   * whose claim ran out), oldest first, for `leaseMs`, with what sending one
   * needs: with several servers on one database, each mail goes out once.
   * `settle` (outcomes of mails sent meanwhile) is recorded first, in the
   * same commit on SQLite: one write for both.
   */
  claimConfirmations(server: string, limit: number, leaseMs: number, settle?: ConfirmationOutcome[]): Promise<QueuedConfirmation[]>;
  /** Gives back the server's claims on mails it has not sent (a server that stops). */
  releaseConfirmations(server: string): Promise<void>;
  /** Records what became of mails, in one commit (a mailer under a rush settles many at once). */
  recordConfirmationMails(outcomes: ConfirmationOutcome[]): Promise<void>;
  /** What a confirmation token is checked against. */
  confirmTarget(id: number): Promise<ConfirmTarget | undefined>;
  /** Confirms the subscriber if they still hold `nonce`; "already" when they were confirmed before. */
  confirmSubscriber(id: number, nonce: string, now: Date): Promise<"confirmed" | "already" | "stale">;
  /** Unsubscribes a pending or confirmed subscriber (a bounced or complained one stays so); false when nothing changed. */
  unsubscribe(id: number, now: Date): Promise<boolean>;
  /** Undoes an unsubscribe made since `since`; false when there is none to undo. */
  resubscribe(id: number, since: Date, now: Date): Promise<boolean>;
  confirmationMails(subscriberId: number): Promise<{ id: number; state: ConfirmationState; requestedAt: string; detail: string | null }[]>;
}

/** What a confirmation link is bound to. */
export interface ConfirmTarget {
  id: number;
  email: string;
  /** The subscriber's current confirmation nonce; null once used up. */
  nonce: string | null;
}

export type ConfirmationState = "queued" | "sent" | "failed" | "skipped";

/** What became of one confirmation mail, and when. */
export interface ConfirmationOutcome {
  mailId: number;
  state: Exclude<ConfirmationState, "queued">;
  /** The relay's answer, or why it was skipped (cut to 1,000 characters when stored). */
  detail: string;
  at: Date;
}

/** A confirmation mail waiting to be sent. */
export interface QueuedConfirmation {
  mailId: number;
  requestedAt: string;
  subscriber: { id: number; email: string; status: SubscriberStatus };
  /** The subscriber's confirmation nonce; null when they left since. */
  nonce: string | null;
}

/**
 * The per-(issue, subscriber) record of a send, shared by every worker. A
 * campaign freezes its recipients as 'queued' rows; workers claim them in
 * small batches under a lease (their id and an expiry), say 'sending'
 * before handing a message to the relay and record the outcome after.
 */
export interface DeliveryLedger {
  /**
   * Rows left 'sending' by a worker that is gone become 'uncertain': those
   * whose lease ran out, and those held by any of `deadWorkers` (workers on
   * this machine whose process has exited). Their other claims are freed.
   * Returns how many became uncertain.
   */
  expireLeases(issue: number, deadWorkers?: string[]): Promise<number>;
  /** The workers holding claims on this issue's rows now. */
  leaseHolders(issue: number): Promise<string[]>;
  /**
   * Confirmed subscribers still owed this issue: no row yet, or one that is
   * queued or deferred (or uncertain, when asked), counted in the database.
   */
  countOwed(issue: number, includeUncertain: boolean): Promise<number>;
  /**
   * Starts (or resumes) the campaign, in one transaction: a 'queued' row
   * for every confirmed subscriber without one; deferred rows queued again
   * (a new run retries them), uncertain ones too when asked. Returns how
   * many rows are queued now.
   */
  startCampaign(issue: number, options: { resendUncertain: boolean }): Promise<number>;
  /** Issues whose campaign is running. */
  runningCampaigns(): Promise<number[]>;
  /** Marks the campaign done when no row is queued or sending; true when it is done. */
  finishCampaign(issue: number): Promise<boolean>;
  /**
   * Claims up to `limit` queued rows nobody else holds (by subscriber id),
   * for `leaseMs`; returns their subscribers.
   */
  claimRecipients(issue: number, worker: string, options: { limit: number; leaseMs: number }): Promise<Subscriber[]>;
  /** Extends every lease the worker holds; returns how many it holds. */
  renewLeases(worker: string, leaseMs: number): Promise<number>;
  /** Gives back the worker's claims on rows it never began (a stopped worker). */
  releaseLeases(worker: string): Promise<void>;
  /**
   * Records that the message is about to be handed to the transport, if
   * the worker still holds the row and the subscriber is still confirmed:
   * "sending". Else "skipped" (recorded: no longer confirmed, or removed)
   * or "lost" (another worker has the row now: send nothing). `settle`
   * (outcomes of earlier messages) is recorded in the same commit.
   */
  beginAttempt(issue: number, subscriberId: number, messageId: string, worker: string, settle?: Outcome[]): Promise<"sending" | "skipped" | "lost">;
  /** Records outcomes, in one commit; an outcome ends the row's lease. */
  recordOutcomes(outcomes: Outcome[]): Promise<void>;
  /**
   * The next free send slot of a limit shared by every worker (`perSecond`
   * messages a second): milliseconds to wait before sending.
   */
  takeSendSlot(perSecond: number): Promise<number>;
  /** What the rows changed since `since` say: failures by reason (the relay's code), and how many readers bounced. */
  outcomesSince(issue: number, since: Date): Promise<{ failures: Record<string, number>; bounced: number }>;
  deliveries(issue: number, state?: DeliveryState): Promise<Delivery[]>;
  countByState(issue: number): Promise<Partial<Record<DeliveryState, number>>>;
}

/** Everything a command needs from the store: one object, whichever backend. */
export type Store = SubscriberStore & SignupStore & DeliveryLedger & {
  /** Feedback events, replay checks and per-issue figures (see feedback.ts). */
  readonly feedback: FeedbackStore;
  /** Scheduled sends and click counts. */
  readonly schedules: ScheduleStore & ClickStore & ReportStore;
  /** What opening did to the schema: the migrations it applied, and the version now. */
  readonly migrations: { applied: number[]; version: number };
  /** The token secret kept in the database, for backends shared across machines (made on first use). */
  sharedSecret?(): Promise<Buffer>;
  /** Problems a quick integrity check of the stored data finds (none when sound); where the backend has one. */
  checkIntegrity?(): Promise<string[]>;
};

/** What became of one attempt. */
export interface Outcome {
  issue: number;
  subscriberId: number;
  state: Extract<DeliveryState, "accepted" | "deferred" | "rejected">;
  detail: string;
  /** A deferred message the worker will try again after a back-off: it keeps its lease meanwhile. */
  retrying?: boolean;
}

/** One table's rows, as gazette db copy moves them: pages of rows in `columns` order. */
export interface TableDump {
  name: string;
  columns: string[];
  count: number;
  pages(): Iterable<unknown[][]>;
}

export class StoreError extends Error {
  constructor(
    readonly code: "DUPLICATE" | "NOT_FOUND" | "MIGRATION" | "NOT_EMPTY" | "COPY" | "DAMAGED" | "READ_ONLY",
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}
