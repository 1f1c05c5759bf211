-- Platform tables: the files seen on file exchanges, and consumption from supplier exports.

CREATE TABLE IF NOT EXISTS file_status (
    source          text        NOT NULL,   -- supplier or operator code
    kind            text        NOT NULL,   -- raw kind of the flow (invoice_pdf, consumption_csv, ...)
    remote_path     text        NOT NULL,   -- path on the file server as first seen
    file_name       text        NOT NULL,
    sequence_number integer,                -- from the file name, when the flow numbers its files
    sha256          text,
    raw_key         text,                   -- object in the raw zone once landed
    status          text        NOT NULL,   -- landed | duplicate | missing | rejected
    detail          text,
    first_seen      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, file_name)
);
CREATE INDEX IF NOT EXISTS file_status_sequence ON file_status (source, kind, sequence_number);

CREATE TABLE IF NOT EXISTS supplier_consumption (
    supplier        text        NOT NULL,
    meter_id        text        NOT NULL,
    period_start    date        NOT NULL,
    period_end      date        NOT NULL,
    time_class      text        NOT NULL,   -- BASE, HP, HC, HPH, HCH, HPB, HCB, P
    kwh             numeric(14, 3) NOT NULL,
    site_name       text,
    invoice_number  text,
    raw_key         text        NOT NULL,
    PRIMARY KEY (supplier, meter_id, period_start, period_end, time_class)
);
CREATE INDEX IF NOT EXISTS supplier_consumption_meter ON supplier_consumption (meter_id, period_start);

CREATE TABLE IF NOT EXISTS quarantine_record (
    raw_key         text        NOT NULL,
    record_ref      text        NOT NULL,   -- line number, record id, or '*' for the whole file
    dataset         text        NOT NULL,
    reason          text        NOT NULL,
    quarantine_key  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (raw_key, record_ref, dataset)
);
