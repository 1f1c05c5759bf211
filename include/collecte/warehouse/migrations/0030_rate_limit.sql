-- Shared rate-limit buckets (collecte.sources.ratelimit.PostgresRateLimiter): the calls every worker
-- of the deployment sent to one API, so that Enedis's and GRDF's quotas (5 calls/s, 1,000 calls/h per
-- API) hold for the whole deployment, not per process. A caller locks its bucket row (FOR UPDATE),
-- counts the calls of the last second and hour by the database clock, and records its own call.
CREATE TABLE IF NOT EXISTS rate_limit_bucket (
    bucket       text             PRIMARY KEY,            -- <source>:<api>
    paused_until double precision NOT NULL DEFAULT 0      -- epoch seconds: a 429's Retry-After holds everyone
);
CREATE TABLE IF NOT EXISTS rate_limit_call (
    bucket  text             NOT NULL REFERENCES rate_limit_bucket (bucket) ON DELETE CASCADE,
    sent_at double precision NOT NULL                     -- epoch seconds (database clock)
);
CREATE INDEX IF NOT EXISTS rate_limit_call_bucket_sent ON rate_limit_call (bucket, sent_at);
