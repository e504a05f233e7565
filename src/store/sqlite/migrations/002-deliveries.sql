-- The send ledger: one row per (issue, subscriber), updated at each step.
-- state: queued → sending → accepted | deferred (temporary failure, retried)
--        | rejected (permanent failure, never retried) | skipped (no longer
--        confirmed); a row left in 'sending' by a crash becomes 'uncertain'.
CREATE TABLE deliveries (
  issue         INTEGER NOT NULL,
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  state         TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'accepted', 'deferred', 'rejected', 'skipped', 'uncertain')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  message_id    TEXT    NOT NULL,
  response      TEXT,
  error         TEXT,
  updated_at    TEXT    NOT NULL,
  PRIMARY KEY (issue, subscriber_id)
);
CREATE INDEX deliveries_state ON deliveries (issue, state);
