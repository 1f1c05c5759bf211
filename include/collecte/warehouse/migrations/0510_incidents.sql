-- Incidents: a situation that needs a person (an account or meter in a problem state, quarantined
-- data, missing files, an expiring mandate or access right, an export the ERP refused, a failed run).
-- One row per incident from the moment it is seen until it clears: alerts are sent when a row is
-- opened (once, whatever the retries), and the daily digest lists the open ones.
CREATE TABLE IF NOT EXISTS incident (
    id              bigserial   PRIMARY KEY,
    incident_key    text        NOT NULL,               -- <kind>:<subject>, stable across runs
    kind            text        NOT NULL,
    subject         text        NOT NULL,               -- account, meter, raw key, mandate, run ...
    summary         text        NOT NULL,
    detail          jsonb       NOT NULL DEFAULT '{}',
    organization_id text,                               -- for routing to the organization's recipients
    opened_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    notified_at     timestamptz,                        -- set once every channel took the alert
    notified_via    text[]      NOT NULL DEFAULT '{}'
);
-- at most one open incident per key: a situation seen again is the same incident
CREATE UNIQUE INDEX IF NOT EXISTS incident_open_key ON incident (incident_key) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS incident_unnotified ON incident (opened_at) WHERE notified_at IS NULL AND closed_at IS NULL;

CREATE TABLE IF NOT EXISTS alert_digest (
    digest_day      date        PRIMARY KEY,            -- Paris day the digest covers (sent once)
    sent_at         timestamptz NOT NULL DEFAULT now(),
    open_incidents  integer     NOT NULL
);
