-- Supplier account collection status (portals and supplier APIs): the latest state per account,
-- and every attempt, so users see which accounts need a person (password, lock, MFA, redesign).

CREATE TABLE IF NOT EXISTS account_status (
    source               text        NOT NULL,   -- supplier code
    account_id           text        NOT NULL,
    status               text        NOT NULL CHECK (status IN ('OK', 'LOGIN_FAILED', 'ACCOUNT_LOCKED',
                             'MFA_REQUIRED', 'SITE_DOWN', 'LAYOUT_CHANGED', 'NO_NEW_DOCUMENTS', 'NO_CONSENT')),
    message              text,
    last_attempt         timestamptz NOT NULL DEFAULT now(),
    last_success         timestamptz,            -- last OK or NO_NEW_DOCUMENTS
    consecutive_failures integer     NOT NULL DEFAULT 0,
    new_documents        integer     NOT NULL DEFAULT 0,
    evidence_key         text,                   -- debug/ prefix of the screenshot and HTML, on failure
    PRIMARY KEY (source, account_id)
);

CREATE TABLE IF NOT EXISTS account_attempt (
    source          text        NOT NULL,
    account_id      text        NOT NULL,
    attempted_at    timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL,
    message         text,
    new_documents   integer     NOT NULL DEFAULT 0,
    run_id          text,                       -- Airflow run id (and try number) when run by a DAG
    evidence_key    text,
    PRIMARY KEY (source, account_id, attempted_at)
);
CREATE INDEX IF NOT EXISTS account_attempt_recent ON account_attempt (source, account_id, attempted_at DESC);
