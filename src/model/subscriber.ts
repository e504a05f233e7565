export const SUBSCRIBER_STATUSES = ["pending", "confirmed", "unsubscribed", "bounced", "complained"] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const DELIVERY_STATES = ["queued", "sending", "accepted", "deferred", "rejected", "skipped", "uncertain"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface Subscriber {
  id: number;
  /** Normalised: see src/store/address.ts. */
  email: string;
  name: string | null;
  status: SubscriberStatus;
  source: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewSubscriber {
  email: string;
  name?: string | null;
  status?: SubscriberStatus;
  source?: string | null;
}

export interface Delivery {
  issue: number;
  subscriberId: number;
  email: string;
  state: DeliveryState;
  attempts: number;
  messageId: string;
  response: string | null;
  error: string | null;
}
