-- Quality and delivery: validation summaries, cross-source discrepancies, quarantine status,
-- deliveries to ERPs / files / other databases, and the read-only analyst role.

CREATE TABLE IF NOT EXISTS validation_result (
    validation_id         text        PRIMARY KEY,  -- one Great Expectations run over one batch
    dataset               text        NOT NULL,     -- canonical table the batch is for (load_curve, invoice, ...)
    suite_name            text        NOT NULL,
    source                text,                     -- supplier or operator code
    raw_key               text,                     -- raw object the batch came from
    staged_key            text,                     -- staged object that was checked
    run_id                text,                     -- Airflow run that validated it, if any
    validated_at          timestamptz NOT NULL DEFAULT now(),
    success               boolean     NOT NULL,     -- no critical expectation failed
    row_count             bigint      NOT NULL,
    passed_rows           bigint      NOT NULL,
    failed_rows           bigint      NOT NULL,     -- quarantined
    warned_rows           bigint      NOT NULL,     -- kept, but flagged by a warning-level expectation
    expectations_evaluated integer    NOT NULL,
    expectations_failed   integer     NOT NULL,
    failures              jsonb       NOT NULL DEFAULT '[]'::jsonb,  -- [{rule, severity, unexpected_count, description}]
    result_key            text,                     -- staged/validation/... GX result JSON
    report_key            text,                     -- staged/validation/... HTML report
    quarantine_key        text
);
CREATE INDEX IF NOT EXISTS validation_result_dataset ON validation_result (dataset, validated_at DESC);
CREATE INDEX IF NOT EXISTS validation_result_raw ON validation_result (raw_key);

-- quarantine_record (0001) gains the status a replay moves forward, and the expectations that failed.
ALTER TABLE quarantine_record ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'quarantined';  -- quarantined | released
ALTER TABLE quarantine_record ADD COLUMN IF NOT EXISTS expectations jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE quarantine_record ADD COLUMN IF NOT EXISTS validation_id text;
ALTER TABLE quarantine_record ADD COLUMN IF NOT EXISTS released_at timestamptz;
CREATE INDEX IF NOT EXISTS quarantine_record_open ON quarantine_record (dataset, status);

-- Invoice kWh against the grid operator's metered kWh for the same meter and span.
CREATE TABLE IF NOT EXISTS discrepancy (
    supplier         text          NOT NULL,
    invoice_number   text          NOT NULL,
    meter_id         text          NOT NULL,
    period_start     date          NOT NULL,
    period_end       date          NOT NULL,
    energy           text,                        -- electricity | gas
    invoice_kwh      numeric(16, 3),
    metered_kwh      numeric(16, 3),
    metered_days     integer       NOT NULL DEFAULT 0,
    period_days      integer       NOT NULL,
    difference_kwh   numeric(16, 3),              -- invoice - metered
    difference_pct   numeric(9, 3),               -- relative to metered
    estimated        boolean       NOT NULL DEFAULT false,  -- the invoice used estimated readings
    status           text          NOT NULL,      -- ok | mismatch | incomplete_metering | no_metering
    detail           text,
    checked_at       timestamptz   NOT NULL DEFAULT now(),
    -- what a person did about it; never overwritten by a rerun of the check
    resolution       text          NOT NULL DEFAULT 'open',   -- open | acknowledged | disputed | resolved
    resolution_note  text,
    resolved_by      text,
    resolved_at      timestamptz,
    PRIMARY KEY (supplier, invoice_number, meter_id)
);
CREATE INDEX IF NOT EXISTS discrepancy_open ON discrepancy (status, resolution);

-- One row per invoice version and exporter: a rerun finds it and sends nothing twice.
CREATE TABLE IF NOT EXISTS export_delivery (
    exporter         text        NOT NULL,   -- <organization>/<exporter name> from include/config/exports
    supplier         text        NOT NULL,
    invoice_number   text        NOT NULL,
    content_sha256   text        NOT NULL,   -- hash of the canonical invoice JSON: a corrected invoice is a new version
    version          integer     NOT NULL,   -- 1, 2, ... per (exporter, supplier, invoice_number)
    idempotency_key  text        NOT NULL UNIQUE,
    status           text        NOT NULL,   -- pending | delivered | failed | superseded (a newer version replaced it unsent)
    attempts         integer     NOT NULL DEFAULT 0,
    target_ref       text,                   -- file name, ERP document id, target row key
    last_error       text,
    first_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    PRIMARY KEY (exporter, supplier, invoice_number, content_sha256)
);
CREATE INDEX IF NOT EXISTS export_delivery_status ON export_delivery (exporter, status);

CREATE TABLE IF NOT EXISTS export_ack (
    idempotency_key  text        PRIMARY KEY REFERENCES export_delivery (idempotency_key),
    exporter         text        NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    target_ref       text,                   -- the receiver's own reference
    replayed         boolean     NOT NULL DEFAULT false,  -- the receiver had it already (idempotent replay)
    response         jsonb       NOT NULL DEFAULT '{}'::jsonb
);

-- Read-only analysts: SELECT on every warehouse table, now and in future migrations.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'collecte_analyst') THEN
        CREATE ROLE collecte_analyst NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO collecte_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO collecte_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO collecte_analyst;
