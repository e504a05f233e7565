-- Several servers on one database (as in SQLite's 005): each queued
-- confirmation mail is claimed by one server (FOR UPDATE SKIP LOCKED, its id
-- and until when) before it is sent, so exactly one sends it; a claim whose
-- server died runs out and another takes the mail.
ALTER TABLE confirmation_mails ADD COLUMN claimed_by text;
ALTER TABLE confirmation_mails ADD COLUMN claimed_until timestamptz;
