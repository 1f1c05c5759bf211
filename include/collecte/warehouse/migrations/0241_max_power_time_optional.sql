-- R151 (Enedis's recurring daily flow for C5 meters) gives each day's maximum power without the time
-- it was reached; the max_power suite already accepts an empty reached_at (its on-the-day check
-- skips it), the table did not.
ALTER TABLE max_power ALTER COLUMN reached_at DROP NOT NULL;
