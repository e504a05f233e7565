import type { Delivery, DeliveryState, NewSubscriber, Subscriber, SubscriberStatus } from "../model/subscriber.ts";

// Every method returns a promise, so that one set of callers serves every
// backend (SQLite answers at once; PostgreSQL over the network).

/** Subscribers. The sender and the CLI see only this and DeliveryLedger, never SQL. */
export interface SubscriberStore {
  /** Adds one subscriber; throws StoreError DUPLICATE when the address is there. */
  addSubscriber(input: NewSubscriber): Promise<Subscriber>;
  /** Adds many in one transaction; addresses already present are left as they are. */
  importSubscribers(rows: NewSubscriber[]): Promise<{ added: number; existing: number }>;
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
  /** Queued confirmation mails after `afterId`, oldest first, with what sending one needs. */
  queuedConfirmations(afterId: number, limit: number): Promise<QueuedConfirmation[]>;
  recordConfirmationMail(mailId: number, state: "sent" | "failed" | "skipped", detail: string, now: Date): Promise<void>;
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

/** A confirmation mail waiting to be sent. */
export interface QueuedConfirmation {
  mailId: number;
  requestedAt: string;
  subscriber: { id: number; email: string; status: SubscriberStatus };
  /** The subscriber's confirmation nonce; null when they left since. */
  nonce: string | null;
}

/** The per-(issue, subscriber) record of a send. */
export interface DeliveryLedger {
  /** Rows a crash left in 'sending' become 'uncertain'; returns how many. */
  markInFlightUncertain(issue: number): Promise<number>;
  /**
   * Confirmed subscribers still owed this issue (no accepted, rejected or
   * skipped row; 'uncertain' only when asked), one page by id.
   */
  recipientsOwed(issue: number, options: { includeUncertain: boolean; afterId?: number; limit: number }): Promise<Subscriber[]>;
  /** How many recipientsOwed would list, counted in the database. */
  countOwed(issue: number, includeUncertain: boolean): Promise<number>;
  /**
   * Records that the message is about to be handed to the transport, if the
   * subscriber is still confirmed; else records 'skipped' and returns false.
   * `settle` (outcomes of earlier messages) is recorded in the same commit.
   */
  beginAttempt(issue: number, subscriberId: number, messageId: string, settle?: Outcome[]): Promise<boolean>;
  /** Records outcomes, in one commit. */
  recordOutcomes(outcomes: Outcome[]): Promise<void>;
  deliveries(issue: number, state?: DeliveryState): Promise<Delivery[]>;
  countByState(issue: number): Promise<Partial<Record<DeliveryState, number>>>;
}

/** Everything a command needs from the store: one object, whichever backend. */
export type Store = SubscriberStore & SignupStore & DeliveryLedger;

/** What became of one attempt. */
export interface Outcome {
  issue: number;
  subscriberId: number;
  state: Extract<DeliveryState, "accepted" | "deferred" | "rejected">;
  detail: string;
}

export class StoreError extends Error {
  constructor(
    readonly code: "DUPLICATE" | "NOT_FOUND" | "MIGRATION",
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}
