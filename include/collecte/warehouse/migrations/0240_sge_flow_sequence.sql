-- Enedis recurring flows (R50, R151): one row per sequence number of each flow's sequence, received
-- or found missing. A file received records its number (and the raw object it landed as, loaded_at
-- once the stage has checked and loaded or quarantined it); a number absent between two received
-- ones, once the later file has waited past the grace, is recorded `missing`; when it arrives after
-- all, the row turns `received` and keeps `missing_since` (a late file, reported once).
-- Single writer: collecte.sources.enedis.flows_ledger.
CREATE TABLE IF NOT EXISTS sge_flow_sequence (
    flow            text        NOT NULL,               -- R50, R151
    stream          text        NOT NULL DEFAULT '',    -- the sequence's scope (e.g. the subscription), '' if one per flow
    sequence_number integer     NOT NULL,
    status          text        NOT NULL CHECK (status IN ('received', 'missing')),
    file_name       text,
    meter_id        text,                               -- PRM the name carries, if any
    raw_key         text,
    received_at     timestamptz,
    missing_since   timestamptz,                        -- first found missing (kept once it arrives late)
    late_reported_at timestamptz,                       -- when a run reported its late arrival
    loaded_at       timestamptz,
    PRIMARY KEY (flow, stream, sequence_number)
);
CREATE INDEX IF NOT EXISTS sge_flow_sequence_unloaded ON sge_flow_sequence (flow)
    WHERE status = 'received' AND loaded_at IS NULL;
