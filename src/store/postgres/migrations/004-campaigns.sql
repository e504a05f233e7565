-- Sending from several workers (as in SQLite's 004). A campaign is an issue
-- being sent: its recipients are frozen as 'queued' ledger rows when it
-- starts, and any number of workers on any machines claim them in small
-- batches (SELECT … FOR UPDATE SKIP LOCKED). A claim is a lease: the
-- worker's id and when the lease runs out. A row whose worker died while it
-- said 'sending' becomes 'uncertain' when its lease runs out; a claimed row
-- never begun is simply claimable again.
CREATE TABLE campaigns (
  issue      integer     PRIMARY KEY,
  state      text        NOT NULL CHECK (state IN ('running', 'done')),
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
ALTER TABLE deliveries ADD COLUMN lease_owner text;
ALTER TABLE deliveries ADD COLUMN lease_until timestamptz;
CREATE INDEX deliveries_claim ON deliveries (issue, state, subscriber_id);
CREATE INDEX deliveries_lease ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;

-- SMTP_RATE for all workers together: the time (the server's clock, in
-- milliseconds since 1970) the next message may go. Each message takes the
-- next slot, 1/rate after the one before.
CREATE TABLE send_pace (
  name    text             PRIMARY KEY,
  next_at double precision NOT NULL
);

-- Settings every process shares: the token secret, made by the first
-- process that needs it (unless GAZETTE_SECRET is set), so every server and
-- worker on every machine signs and checks the same links.
CREATE TABLE settings (
  name  text PRIMARY KEY,
  value text NOT NULL
);
