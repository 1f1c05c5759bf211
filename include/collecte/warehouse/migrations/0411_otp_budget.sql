-- One-time codes (issue #11.4): one attempt budget per mandate across resends (a resend no
-- longer resets `attempts`), and resends limited (count and spacing).
ALTER TABLE mandate_otp ADD COLUMN IF NOT EXISTS sends integer NOT NULL DEFAULT 1;
ALTER TABLE mandate_otp ADD COLUMN IF NOT EXISTS last_sent_at timestamptz;
