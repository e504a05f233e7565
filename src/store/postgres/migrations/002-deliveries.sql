-- The send ledger: one row per (issue, subscriber), updated at each step
-- (as in SQLite's 002).
-- state: queued → sending → accepted | deferred (temporary failure, retried)
--        | rejected (permanent failure, never retried) | skipped (no longer
--        confirmed); a row left in 'sending' by a crash becomes 'uncertain'.
CREATE TABLE deliveries (
  issue         integer     NOT NULL,
  subscriber_id integer     NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  state         text        NOT NULL CHECK (state IN ('queued', 'sending', 'accepted', 'deferred', 'rejected', 'skipped', 'uncertain')),
  attempts      integer     NOT NULL DEFAULT 0,
  message_id    text        NOT NULL,
  response      text,
  error         text,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (issue, subscriber_id)
);
CREATE INDEX deliveries_state ON deliveries (issue, state);
