-- Scheduled sends and click counts, as in SQLite's 006: one schedule per
-- issue, fired once by whichever process claims it first; click counts per
-- (issue, link, day) and nothing personal.
CREATE TABLE schedules (
  issue        integer     PRIMARY KEY,
  due_at       timestamptz NOT NULL,
  state        text        NOT NULL CHECK (state IN ('scheduled', 'firing', 'sent', 'failed', 'overdue', 'cancelled')),
  email_hash   text        NOT NULL,
  claimed_by   text,
  detail       text,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX schedules_due ON schedules (state, due_at);

CREATE TABLE link_clicks (
  issue  integer NOT NULL,
  link   integer NOT NULL,
  day    date    NOT NULL,
  clicks integer NOT NULL,
  PRIMARY KEY (issue, link, day)
);
