-- M023 billing measures (CommandeHistoriqueDonneesMesuresFacturantes, result flux R67): the energy
-- Enedis retained for billing, per period [period_start, period_end) and time class of a grid
-- (D: distributor calendar, F: supplier calendar). Energy, not an index: already differentiated,
-- negative for a regularisation (nature C). Loaded by collecte.stages.metering (dataset catalogue).
CREATE TABLE IF NOT EXISTS billing_energy (
    meter_id        text        NOT NULL,
    period_start    date        NOT NULL,
    period_end      date        NOT NULL,
    grid            text        NOT NULL CHECK (grid IN ('D', 'F')),
    time_class      text        NOT NULL,
    direction       text        NOT NULL CHECK (direction IN ('CONS', 'PROD')),
    energy_wh       bigint      NOT NULL,
    calendar        text,                   -- DI000003, FC000010 ...
    nature          text,                   -- R (réel), E (estimé), C (régularisé)
    status          text,                   -- I (initial) ...
    reading_reason  text,                   -- CYCL, CFNS, MCT, AUTRE ...
    source          text        NOT NULL,
    raw_key         text        NOT NULL,
    PRIMARY KEY (meter_id, period_start, period_end, grid, time_class, direction)
);
