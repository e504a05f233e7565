-- Several servers on one database: each queued confirmation mail is claimed
-- by one server (its id and until when) before it is sent, so exactly one
-- sends it; a claim whose server died runs out and another takes the mail.
ALTER TABLE confirmation_mails ADD COLUMN claimed_by TEXT;
ALTER TABLE confirmation_mails ADD COLUMN claimed_until TEXT;
