-- Double opt-in. confirm_nonce binds confirmation links to one signup: a
-- link works only while its subscriber holds the nonce it was signed with,
-- and the nonce is dropped when the subscriber leaves (unsubscribed,
-- bounced, complained), so an old link cannot sign anyone up again.
ALTER TABLE subscribers ADD COLUMN confirm_nonce TEXT;

-- Every confirmation mail asked for, so that repeated signups cannot flood
-- an address (the server sends at most a few per address per day), and the
-- server's mail queue itself: a mail is 'queued' until sent, so a burst of
-- signups or a restart loses none.
-- state: queued → sent | failed | skipped (confirmed or gone meanwhile, or
-- left in the queue too long to be worth sending).
CREATE TABLE confirmation_mails (
  id            INTEGER PRIMARY KEY,
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  requested_at  TEXT    NOT NULL,
  state         TEXT    NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
  detail        TEXT,
  updated_at    TEXT    NOT NULL
);
CREATE INDEX confirmation_mails_by_subscriber ON confirmation_mails (subscriber_id, requested_at);
CREATE INDEX confirmation_mails_queued ON confirmation_mails (state, id);
