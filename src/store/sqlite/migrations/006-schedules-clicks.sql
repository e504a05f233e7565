-- Scheduled sends: at most one schedule per issue, fired once by whichever
-- server or worker claims it first (scheduled → firing, in one UPDATE).
-- state: scheduled → firing → sent | failed; scheduled → overdue (found more
-- than an hour late: waits for the editor) ; scheduled | overdue → cancelled,
-- or sent when the editor sends the issue by hand.
-- email_hash: the built email when it was scheduled, to tell if it changed.
CREATE TABLE schedules (
  issue        INTEGER PRIMARY KEY,
  due_at       TEXT    NOT NULL,
  state        TEXT    NOT NULL CHECK (state IN ('scheduled', 'firing', 'sent', 'failed', 'overdue', 'cancelled')),
  email_hash   TEXT    NOT NULL,
  claimed_by   TEXT,
  detail       TEXT,
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL
);
CREATE INDEX schedules_due ON schedules (state, due_at);

-- Click counts, and nothing else: how many times a link of an issue was
-- followed on a day (UTC). No subscriber, address, IP, user agent or cookie.
CREATE TABLE link_clicks (
  issue  INTEGER NOT NULL,
  link   INTEGER NOT NULL,
  day    TEXT    NOT NULL,
  clicks INTEGER NOT NULL,
  PRIMARY KEY (issue, link, day)
);
