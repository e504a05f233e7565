import type { FeedbackEffect, FeedbackEvent, IssueReport, NewFeedbackEvent } from "../model/feedback.ts";

/** How feedback changes a subscriber. */
export interface FeedbackPolicy {
  /** Soft bounces in a row, with no delivery between, that make a subscriber bounced. */
  softBounceLimit: number;
}

export type RecordResult = { recorded: true; effect: FeedbackEffect; event: FeedbackEvent } | { recorded: false; reason: "duplicate" };

/**
 * Feedback events, webhook replay protection and per-issue reports. Async
 * so that the SQLite and PostgreSQL stores share it; the intake sees only
 * this and never SQL.
 */
export interface FeedbackStore {
  /**
   * In one transaction: records the event unless its key is there already,
   * and applies it: a hard bounce marks the subscriber bounced, a soft
   * bounce does when it completes `softBounceLimit` in a row with no
   * delivery between, a complaint marks them complained, an unsubscribe
   * unsubscribes a pending or confirmed one. Complained is never undone.
   */
  recordFeedback(event: NewFeedbackEvent, policy: FeedbackPolicy): Promise<RecordResult>;
  /** The subscriber with this (normalised) address, for matching by recipient. */
  subscriberIdByEmail(email: string): Promise<number | undefined>;
  /** The address of a subscriber, for checking tokens that name them. */
  emailOfSubscriber(id: number): Promise<string | undefined>;
  /**
   * Remembers a webhook signature; false when it was seen within `windowMs`
   * (a replay). Older ones are forgotten.
   */
  claimSignature(signature: string, now: Date, windowMs: number): Promise<boolean>;
  feedbackEvents(filter: { subscriberId?: number; issue?: number }): Promise<FeedbackEvent[]>;
  /** One issue's figures; undefined when nothing of it was ever sent. */
  issueReport(issue: number): Promise<IssueReport | undefined>;
  /** Every issue with a ledger, newest first. */
  issueReports(): Promise<IssueReport[]>;
  /** The issue whose last message was accepted most recently, other than `except`. */
  lastSentIssue(except?: number): Promise<number | undefined>;
}
