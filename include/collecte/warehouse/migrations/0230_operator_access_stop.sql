-- When a mandate is revoked or expires, the operator-side accesses it backed must stop too:
-- Enedis SGE recurring transmissions (CommandeArretServiceSouscritMesures for the meter's
-- subscribed services) and GRDF ADICT access rights (revocation). One row per mandate and meter,
-- queued by the revocation / expiry itself, worked by the stop_operator_access DAG, with the outcome.
-- Single writer: collecte.consent.access_stop.
CREATE TABLE IF NOT EXISTS operator_access_stop (
    mandate_id      text        NOT NULL,
    operator        text        NOT NULL,               -- enedis, grdf
    meter_id        text        NOT NULL,               -- PRM / PCE
    reason          text        NOT NULL,               -- revoked, expired
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'stopped', 'nothing_to_stop', 'kept', 'failed')),
    detail          text,                               -- what was done, or why not
    actions         jsonb       NOT NULL DEFAULT '[]'::jsonb,  -- services stopped (affaire ids), right revoked
    attempts        integer     NOT NULL DEFAULT 0,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    PRIMARY KEY (mandate_id, operator, meter_id)
);
CREATE INDEX IF NOT EXISTS operator_access_stop_open ON operator_access_stop (status) WHERE status IN ('pending', 'failed');
