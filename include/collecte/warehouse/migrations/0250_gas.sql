-- Gas metering (GRDF ADICT): consumption per docs/DATA_MODEL.md, gas-specific contract details,
-- and the access rights as ADICT reports them. Contract data shared with electricity go to
-- meter_contract (source 'grdf'), collection status to meter_status (operator 'grdf'), both
-- from 0200_metering.sql.

CREATE TABLE IF NOT EXISTS gas_consumption (
    pce                     text        NOT NULL,
    period_start            date        NOT NULL,   -- first gas day of the period (start reading)
    period_end              date        NOT NULL,   -- end reading date: the period is [start, end)
    kind                    text        NOT NULL CHECK (kind IN ('published', 'informative')),
    index_start_m3          bigint,
    index_end_m3            bigint,
    volume_m3               numeric(14, 3) NOT NULL,
    conversion_coefficient  numeric(6, 3)  NOT NULL CHECK (conversion_coefficient BETWEEN 8 AND 14),
    energy_kwh              numeric(16, 3) NOT NULL,
    status                  text        NOT NULL CHECK (status IN ('provisional', 'definitive')),
    reading_reason          text,
    reading_quality         text,                   -- measured | estimated
    raw_key                 text        NOT NULL,
    PRIMARY KEY (pce, period_start, period_end, kind),
    CHECK (period_end > period_start)
);
CREATE INDEX IF NOT EXISTS gas_consumption_day ON gas_consumption (kind, period_start);

-- Gas-only contract and technical details (meter_contract holds what both energies share).
CREATE TABLE IF NOT EXISTS gas_contract (
    pce                 text        PRIMARY KEY,
    tariff_option       text,                   -- T1, T2, T3, T4, TP
    car_kwh             bigint,                 -- annual reference consumption
    profile             text,                   -- P011 ... P019
    reading_frequency   text,                   -- 6M, 2M, 1M, MM, JJ
    meter_number        text,
    gas_zone            text,                   -- H | B
    pitd                text,
    contract_raw_key    text,
    technical_raw_key   text
);

-- Access rights declared by this third party (no holder name or email: those stay in consent).
CREATE TABLE IF NOT EXISTS gas_access_right (
    id                  text        PRIMARY KEY,    -- id_droit_acces
    pce                 text        NOT NULL,
    state               text        NOT NULL,       -- Active, A valider, Révoquée, A revérifier, Obsolète, Refusée
    proof_status        text,
    role                text,
    right_start         date,
    right_end           date,
    data_start          date,
    data_end            date,
    scope               jsonb       NOT NULL DEFAULT '{}'::jsonb,
    declared_on         date,
    state_changed_on    date,
    first_seen          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS gas_access_right_pce ON gas_access_right (pce);
