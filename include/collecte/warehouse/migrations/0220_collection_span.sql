-- Operator roads (Enedis, GRDF): the collection ledger. What each run window asked and got, so that a
-- task retry or a re-run of the same window asks only what is still missing (resume, don't
-- restart), and the end of a run names exactly what it still owes (meters, kinds, days) or what
-- landed and was not loaded yet. Written and read by collecte.metering.ledger only.
--
-- A window is the span of Paris days one batch was asked for (a daily run's day, a quarter of a
-- history import). Rows:
--   outcome 'landed': one raw answer of `resource` for days [first_day, last_day], in the raw zone under
--                     raw_key; loaded_at is set once its rows were checked and upserted (or quarantined);
--   outcome 'done':   the kind was collected for the whole window (resource '*'): data, "no data"
--                     answers and history walls all accounted for.
CREATE TABLE IF NOT EXISTS collection_span (
    operator        text        NOT NULL,   -- enedis | grdf
    meter_id        text        NOT NULL,
    data_kind       text        NOT NULL,   -- the consent gate's kind (daily, load_curve, consumption, ...)
    resource        text        NOT NULL,   -- the operator's resource, '*' for a 'done' row
    window_first    date        NOT NULL,
    window_last     date        NOT NULL,   -- inclusive
    first_day       date        NOT NULL,
    last_day        date        NOT NULL,   -- inclusive
    outcome         text        NOT NULL CHECK (outcome IN ('landed', 'done')),
    raw_key         text,
    loaded_at       timestamptz,
    run_id          text,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operator, meter_id, data_kind, resource, window_first, window_last, first_day, last_day),
    CHECK (last_day >= first_day AND window_last >= window_first),
    CHECK (outcome <> 'landed' OR raw_key IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS collection_span_pending ON collection_span (operator, meter_id)
    WHERE outcome = 'landed' AND loaded_at IS NULL;
CREATE INDEX IF NOT EXISTS collection_span_raw_key ON collection_span (raw_key);

-- The run that last wrote a status (collecte.metering.status): the end of a run reads its own outcomes.
ALTER TABLE meter_status ADD COLUMN IF NOT EXISTS run_id text;
