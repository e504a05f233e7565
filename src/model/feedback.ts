export const FEEDBACK_KINDS = ["hard_bounce", "soft_bounce", "complaint", "unsubscribe", "delivered"] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

export const FEEDBACK_SOURCES = ["ses", "postmark", "sendgrid", "mailgun", "resend", "generic", "smtp", "import"] as const;
export type FeedbackSource = (typeof FEEDBACK_SOURCES)[number];

/**
 * One thing the mail system said about one message or recipient, as a
 * parser reads it from a webhook payload or a mail, before it is matched
 * to a subscriber. Every field but kind and key is what the report gave.
 */
export interface FeedbackReport {
  kind: FeedbackKind;
  /**
   * What makes it the same event when delivered again: the provider's event
   * id (with the recipient when one event names several), or a hash of the
   * report's machine-readable part.
   */
  key: string;
  /** The recipient the report is about, as written in it. */
  recipient?: string;
  /** The original message's Message-ID, angle brackets included. */
  messageId?: string;
  /** The VERP token of the bounce address it came back to. */
  verpToken?: string;
  /** The unsubscribe token of a mailed unsubscribe. */
  unsubscribeToken?: string;
  /** The provider's own id for the event or message. */
  providerId?: string;
  /** Enhanced status code (5.1.1) or SMTP reply code. */
  statusCode?: string;
  /** What the remote server or provider said, for people. */
  diagnostic?: string;
}

/** A report matched to a subscriber (and, when known, an issue), ready to record. */
export interface NewFeedbackEvent {
  key: string;
  source: FeedbackSource;
  kind: FeedbackKind;
  subscriberId: number;
  issue: number | null;
  providerId: string | null;
  statusCode: string | null;
  diagnostic: string | null;
  receivedAt: Date;
}

/** What recording an event did to its subscriber. */
export type FeedbackEffect = "bounced" | "complained" | "unsubscribed" | "none";

export interface FeedbackEvent extends Omit<NewFeedbackEvent, "receivedAt"> {
  id: number;
  receivedAt: string;
  effect: FeedbackEffect;
}

/** What became of one issue: the ledger and the feedback since. */
export interface IssueReport {
  issue: number;
  /** When its first message was accepted (ISO), or null when none was. */
  sentAt: string | null;
  recipients: number;
  accepted: number;
  deferred: number;
  rejected: number;
  hardBounces: number;
  softBounces: number;
  complaints: number;
  unsubscribes: number;
}
