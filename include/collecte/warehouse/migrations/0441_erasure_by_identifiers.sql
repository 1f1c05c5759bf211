-- Erasure by identifiers (#11.11).
--
-- subject_object: the index of the objects of each data subject, written when they land: every
-- raw object under the supplier account or meter it belongs to (source = supplier or operator
-- code, subject_id = account id or PRM/PCE, as in mandate_scope), and derived objects that mix
-- several subjects (staged batches) under each of them. Erasure finds a subject's objects here
-- instead of scanning the bucket.
CREATE TABLE IF NOT EXISTS subject_object (
    source          text        NOT NULL,
    subject_id      text        NOT NULL,
    object_key      text        NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, subject_id, object_key)
);
CREATE INDEX IF NOT EXISTS subject_object_key ON subject_object (object_key);

-- An erasure request is recorded by the consent pages and carried out by a `gdpr_erasure` DAG
-- run: requested -> warehouse_done (committed; S3 objects listed in `pending_keys`) -> done.
ALTER TABLE erasure_request ADD COLUMN IF NOT EXISTS mandate_id text;
ALTER TABLE erasure_request ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'requested';
ALTER TABLE erasure_request ADD COLUMN IF NOT EXISTS started_at timestamptz;
ALTER TABLE erasure_request ADD COLUMN IF NOT EXISTS pending_keys jsonb;
ALTER TABLE erasure_request ADD COLUMN IF NOT EXISTS run_id text;
ALTER TABLE erasure_request ADD COLUMN IF NOT EXISTS error text;
CREATE INDEX IF NOT EXISTS erasure_request_open ON erasure_request (status) WHERE status <> 'done';
UPDATE erasure_request SET status = 'done' WHERE completed_at IS NOT NULL AND status = 'requested';
