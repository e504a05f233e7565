-- Sending from several workers. A campaign is an issue being sent: its
-- recipients are frozen as 'queued' ledger rows when it starts, and any
-- number of workers claim them in small batches. A claim is a lease: the
-- worker's id and when the lease runs out. A row whose worker died while it
-- said 'sending' becomes 'uncertain' when its lease runs out; a claimed row
-- never begun is simply claimable again.
CREATE TABLE campaigns (
  issue      INTEGER PRIMARY KEY,
  state      TEXT    NOT NULL CHECK (state IN ('running', 'done')),
  started_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
);
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
CREATE INDEX deliveries_claim ON deliveries (issue, state, subscriber_id);
CREATE INDEX deliveries_lease ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;

-- SMTP_RATE for all workers together: the time the next message may go.
-- Each message takes the next slot, 1/rate after the one before.
CREATE TABLE send_pace (
  name    TEXT PRIMARY KEY,
  next_at REAL NOT NULL
);

-- Settings every process shares (PostgreSQL keeps the token secret here;
-- SQLite's is the file data/secret beside the database).
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
