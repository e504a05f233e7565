-- What the mail system reports after a send: bounces, complaints, mailed
-- unsubscribes and delivery confirmations, from provider webhooks, the
-- inbound SMTP listener and `gazette feedback import`. One row per event
-- and recipient; event_key (the provider's event id, or a hash of the
-- report) makes a retried webhook or a re-imported mail a no-op. Only
-- events that name a known subscriber are kept, and they go with the
-- subscriber: no address is stored here.
CREATE TABLE feedback_events (
  id            INTEGER PRIMARY KEY,
  event_key     TEXT    NOT NULL UNIQUE,
  source        TEXT    NOT NULL,
  kind          TEXT    NOT NULL CHECK (kind IN ('hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe', 'delivered')),
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  issue         INTEGER,
  provider_id   TEXT,
  status_code   TEXT,
  diagnostic    TEXT,
  received_at   TEXT    NOT NULL,
  -- What the event did to its subscriber: bounced, complained, unsubscribed, or none.
  effect        TEXT    NOT NULL
);
CREATE INDEX feedback_by_subscriber ON feedback_events (subscriber_id, received_at);
CREATE INDEX feedback_by_issue ON feedback_events (issue, kind);

-- Webhook signatures already accepted, so a captured request replayed
-- within its five-minute window is refused. Rows older than that window
-- are pruned as new ones arrive.
CREATE TABLE webhook_signatures (
  signature TEXT PRIMARY KEY,
  seen_at   TEXT NOT NULL
);
CREATE INDEX webhook_signatures_seen ON webhook_signatures (seen_at);
