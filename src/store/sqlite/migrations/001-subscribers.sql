-- Subscribers: one row per normalised address.
CREATE TABLE subscribers (
  id              INTEGER PRIMARY KEY,
  email           TEXT    NOT NULL UNIQUE,
  name            TEXT,
  status          TEXT    NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced', 'complained')),
  source          TEXT,
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL,
  confirmed_at    TEXT,
  unsubscribed_at TEXT
);
CREATE INDEX subscribers_status ON subscribers (status, id);
