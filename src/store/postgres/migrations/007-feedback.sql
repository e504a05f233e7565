-- Feedback events and webhook replay protection, as in SQLite's
-- migration of the same name (see there for what each column means).
CREATE TABLE feedback_events (
  id            bigserial   PRIMARY KEY,
  event_key     text        NOT NULL UNIQUE,
  source        text        NOT NULL,
  kind          text        NOT NULL CHECK (kind IN ('hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe', 'delivered')),
  subscriber_id integer     NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  issue         integer,
  provider_id   text,
  status_code   text,
  diagnostic    text,
  received_at   timestamptz NOT NULL,
  effect        text        NOT NULL
);
CREATE INDEX feedback_by_subscriber ON feedback_events (subscriber_id, received_at);
CREATE INDEX feedback_by_issue ON feedback_events (issue, kind);

CREATE TABLE webhook_signatures (
  signature text        PRIMARY KEY,
  seen_at   timestamptz NOT NULL
);
CREATE INDEX webhook_signatures_seen ON webhook_signatures (seen_at);
