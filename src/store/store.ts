import type { Delivery, DeliveryState, NewSubscriber, Subscriber, SubscriberStatus } from "../model/subscriber.ts";

/** Subscribers. The sender and the CLI see only this and DeliveryLedger, never SQL. */
export interface SubscriberStore {
  /** Adds one subscriber; throws StoreError DUPLICATE when the address is there. */
  addSubscriber(input: NewSubscriber): Subscriber;
  /** Adds many in one transaction; addresses already present are left as they are. */
  importSubscribers(rows: NewSubscriber[]): { added: number; existing: number };
  removeSubscriber(email: string): boolean;
  findSubscriber(email: string): Subscriber | undefined;
  getSubscriber(id: number): Subscriber | undefined;
  setStatus(id: number, status: SubscriberStatus): void;
  countSubscribers(status?: SubscriberStatus): number;
  /** One page, by id: pass the last id seen to get the next page. */
  listSubscribers(options: { status?: SubscriberStatus; afterId?: number; limit: number }): Subscriber[];
  close(): void;
}

/** The per-(issue, subscriber) record of a send. */
export interface DeliveryLedger {
  /** Rows a crash left in 'sending' become 'uncertain'; returns how many. */
  markInFlightUncertain(issue: number): number;
  /**
   * Confirmed subscribers still owed this issue (no accepted, rejected or
   * skipped row; 'uncertain' only when asked), one page by id.
   */
  recipientsOwed(issue: number, options: { includeUncertain: boolean; afterId?: number; limit: number }): Subscriber[];
  /**
   * Records that the message is about to be handed to the transport, if the
   * subscriber is still confirmed; else records 'skipped' and returns false.
   * `settle` (outcomes of earlier messages) is recorded in the same commit.
   */
  beginAttempt(issue: number, subscriberId: number, messageId: string, settle?: Outcome[]): boolean;
  /** Records outcomes, in one commit. */
  recordOutcomes(outcomes: Outcome[]): void;
  deliveries(issue: number, state?: DeliveryState): Delivery[];
  countByState(issue: number): Partial<Record<DeliveryState, number>>;
}

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
