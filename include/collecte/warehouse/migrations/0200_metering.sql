-- Electricity metering (Enedis Data Connect, SGE, M023 history files): canonical records of
-- docs/DATA_MODEL.md, plus what the collection remembers per meter (status, history wall, gaps)
-- and the télé-relève orders placed through SGE. Times are UTC; `day` is a Europe/Paris day.

CREATE TABLE IF NOT EXISTS daily_energy (
    meter_id        text        NOT NULL,
    day             date        NOT NULL,
    direction       text        NOT NULL CHECK (direction IN ('CONS', 'PROD')),
    source          text        NOT NULL,
    energy_wh       bigint      NOT NULL,
    quality         text,                   -- BRUT | BEST | provisional | definitive
    raw_key         text        NOT NULL,
    PRIMARY KEY (meter_id, day, direction, source)
);

CREATE TABLE IF NOT EXISTS load_curve (
    meter_id         text        NOT NULL,
    interval_end     timestamptz NOT NULL,   -- end of the averaging interval
    direction        text        NOT NULL CHECK (direction IN ('CONS', 'PROD')),
    interval_minutes smallint    NOT NULL CHECK (interval_minutes IN (5, 10, 15, 30, 60)),
    power_w          integer     NOT NULL,   -- average power over the interval
    energy_wh        double precision NOT NULL, -- power_w * interval_minutes / 60
    source           text        NOT NULL,
    raw_key          text        NOT NULL,
    PRIMARY KEY (meter_id, interval_end, direction)
);

CREATE TABLE IF NOT EXISTS max_power (
    meter_id        text        NOT NULL,
    day             date        NOT NULL,
    direction       text        NOT NULL CHECK (direction IN ('CONS', 'PROD')),
    max_power_va    integer     NOT NULL,
    reached_at      timestamptz NOT NULL,
    source          text        NOT NULL,
    raw_key         text        NOT NULL,
    PRIMARY KEY (meter_id, day, direction)
);

CREATE TABLE IF NOT EXISTS meter_index (
    meter_id        text        NOT NULL,
    reading_at      timestamptz NOT NULL,
    time_class      text        NOT NULL,   -- BASE, HP, HC, HPH, HCH, HPB, HCB, P
    direction       text        NOT NULL CHECK (direction IN ('CONS', 'PROD')),
    index_wh        bigint      NOT NULL,
    context         text,                   -- COL (collected), TOP (remote operation), ...
    source          text        NOT NULL,
    raw_key         text        NOT NULL,
    PRIMARY KEY (meter_id, reading_at, time_class, direction)
);

CREATE TABLE IF NOT EXISTS meter_contract (
    meter_id              text        NOT NULL,
    source                text        NOT NULL,   -- enedis (Data Connect) | enedis_sge
    segment               text,
    fta                   text,
    tariff_option         text,
    subscribed_powers_kva jsonb,                  -- time class -> kVA
    max_subscribed_kva    numeric(8, 2),
    off_peak_hours        text,
    status                text,                   -- SERVC, RESIL, ...
    last_activation_date  date,
    holder                text,
    address               text,
    valid_at              timestamptz,
    raw_key               text        NOT NULL,
    PRIMARY KEY (meter_id, source)
);

-- Where each meter stands for each kind of data, in words a data engineer can act on.
CREATE TABLE IF NOT EXISTS meter_status (
    operator        text        NOT NULL,   -- enedis | grdf
    meter_id        text        NOT NULL,
    data_kind       text        NOT NULL,   -- daily, load_curve, max_power, index, contract, ...
    status          text        NOT NULL,   -- OK, NO_CONSENT, MOVED_OUT, HISTORY_WALL, NO_DATA,
                                            -- NOT_ACTIVATED, WRONG_DIRECTION, ERROR
    message         text,
    not_before      date,                   -- history wall: nothing exists before this Paris day
    last_attempt    timestamptz NOT NULL DEFAULT now(),
    last_success    timestamptz,
    PRIMARY KEY (operator, meter_id, data_kind)
);

-- Spans the operator answered "no data" for: recorded, not failed, shown in coverage.
CREATE TABLE IF NOT EXISTS meter_gap (
    operator        text        NOT NULL,
    meter_id        text        NOT NULL,
    data_kind       text        NOT NULL,
    first_day       date        NOT NULL,
    last_day        date        NOT NULL,   -- inclusive
    reason          text        NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operator, meter_id, data_kind, first_day, last_day)
);

-- Télé-relève orders placed through SGE (activation, subscription, stop, M023 history).
CREATE TABLE IF NOT EXISTS sge_order (
    affaire_id          text        PRIMARY KEY,
    meter_id            text        NOT NULL,
    order_kind          text        NOT NULL,   -- ACTIVATION_COURBE, SOUSCRIPTION, ARRET, M023
    prestation          text,                   -- F300C, F305, M023 ...
    service_souscrit_id text,
    first_day           date,
    last_day            date,
    status              text        NOT NULL,   -- ORDERED, ACTIVE, DELIVERED, STOPPED, FAILED
    result_files        jsonb       NOT NULL DEFAULT '[]'::jsonb,
    ordered_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sge_order_meter ON sge_order (meter_id, order_kind);
