-- Supplier invoices as extracted from their PDFs (collecte.invoices), per
-- shared/contracts/invoice.schema.json: one row per invoice, per site (delivery point), per meter
-- reading and per billed line. Natural keys: invoice = (supplier, invoice_number); site =
-- (invoice, meter_id); readings and lines are numbered in printed order within their site.
-- `raw_key` is the raw-zone object (s3 key of the PDF) the record was extracted from;
-- `status`/`reasons` keep the reconciliation outcome (needs_review records are loaded, flagged).

CREATE TABLE IF NOT EXISTS invoice (
    supplier          text          NOT NULL,
    invoice_number    text          NOT NULL,
    document_type     text          NOT NULL CHECK (document_type IN ('invoice', 'credit_note')),
    invoice_date      date          NOT NULL,
    due_date          date,
    customer_account  text,
    customer_name     text,
    energy            text          NOT NULL CHECK (energy IN ('electricity', 'gas')),
    currency          text          NOT NULL DEFAULT 'EUR',
    total_excl_tax    numeric(14, 2) NOT NULL,
    total_vat         numeric(14, 2) NOT NULL,
    total_incl_tax    numeric(14, 2) NOT NULL,
    site_count        integer       NOT NULL,
    status            text          NOT NULL CHECK (status IN ('ok', 'needs_review')),
    reasons           jsonb         NOT NULL DEFAULT '[]',
    source            text          NOT NULL,   -- facturx | template:<supplier code>
    raw_key           text          NOT NULL,
    loaded_at         timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier, invoice_number)
);
CREATE INDEX IF NOT EXISTS invoice_status ON invoice (status) WHERE status <> 'ok';
CREATE INDEX IF NOT EXISTS invoice_raw_key ON invoice (raw_key);
CREATE INDEX IF NOT EXISTS invoice_customer ON invoice (supplier, customer_account, invoice_date);

CREATE TABLE IF NOT EXISTS invoice_site (
    supplier              text          NOT NULL,
    invoice_number        text          NOT NULL,
    meter_id              text          NOT NULL,   -- PRM/PDL (14 digits) or PCE, as a string
    position              integer       NOT NULL,   -- order of the site on the invoice
    site_name             text,
    site_address          text,
    period_start          date          NOT NULL,
    period_end            date          NOT NULL,
    tariff_option         text,
    subscribed_power_kva  numeric(10, 2),
    max_power_kva         numeric(10, 2),
    consumption_kwh       numeric(16, 3) NOT NULL,
    total_excl_tax        numeric(14, 2) NOT NULL,
    PRIMARY KEY (supplier, invoice_number, meter_id),
    FOREIGN KEY (supplier, invoice_number) REFERENCES invoice (supplier, invoice_number) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS invoice_site_meter ON invoice_site (meter_id, period_start);

CREATE TABLE IF NOT EXISTS invoice_reading (
    supplier                text          NOT NULL,
    invoice_number          text          NOT NULL,
    meter_id                text          NOT NULL,
    position                integer       NOT NULL,
    period                  text          NOT NULL,   -- BASE, HP, HC, HPH, HCH, HPB, HCB, P, GAS
    index_start             numeric(16, 3),
    index_end               numeric(16, 3),
    unit                    text CHECK (unit IN ('kWh', 'm3')),
    conversion_coefficient  numeric(10, 5),
    reading_type            text CHECK (reading_type IN ('actual', 'estimated')),
    kwh                     numeric(16, 3) NOT NULL,
    PRIMARY KEY (supplier, invoice_number, meter_id, position),
    FOREIGN KEY (supplier, invoice_number, meter_id)
        REFERENCES invoice_site (supplier, invoice_number, meter_id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS invoice_line (
    supplier          text          NOT NULL,
    invoice_number    text          NOT NULL,
    meter_id          text          NOT NULL,
    position          integer       NOT NULL,
    category          text          NOT NULL CHECK (category IN ('energy', 'subscription', 'network', 'capacity', 'tax', 'other')),
    label             text          NOT NULL,
    period            text,
    quantity          numeric(16, 3),
    unit              text,
    unit_price        numeric(14, 6),
    amount_excl_tax   numeric(14, 2) NOT NULL,
    vat_rate          numeric(6, 4),
    PRIMARY KEY (supplier, invoice_number, meter_id, position),
    FOREIGN KEY (supplier, invoice_number, meter_id)
        REFERENCES invoice_site (supplier, invoice_number, meter_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS invoice_line_category ON invoice_line (category);
