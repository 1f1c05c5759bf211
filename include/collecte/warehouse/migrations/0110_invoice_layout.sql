-- Invoice layout drift (collecte.invoices.fingerprint): how a supplier's invoices depart from the
-- layout their template was written for. One row per raw invoice whose layout departed: `status`
-- 'ok' when the template absorbed the change (synonyms it knows: the invoice was read and checked),
-- 'layout_changed' when it could not (an unknown column or label: the invoice is not accepted until
-- the template is updated, then replayed from the quarantine). `changes` lists what changed and where.
-- The account status page reads `invoice_layout_status`: per supplier, the unread invoices, when the
-- change was last seen and what changed, so a person updates the template once for the supplier.

CREATE TABLE IF NOT EXISTS invoice_layout_change (
    supplier        text        NOT NULL,   -- the template's supplier code
    raw_key         text        NOT NULL,   -- raw-zone object of the PDF
    account_id      text,                   -- from the raw key (account=<id>), when there is one
    invoice_number  text,
    status          text        NOT NULL CHECK (status IN ('ok', 'needs_review', 'layout_changed')),
    changes         jsonb       NOT NULL DEFAULT '[]',
    detected_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier, raw_key)
);
CREATE INDEX IF NOT EXISTS invoice_layout_change_recent ON invoice_layout_change (supplier, detected_at DESC);

-- what the template absorbed stays with the loaded invoice too
ALTER TABLE invoice ADD COLUMN IF NOT EXISTS layout_changes jsonb NOT NULL DEFAULT '[]';

CREATE OR REPLACE VIEW invoice_layout_status AS
SELECT c.supplier,
       count(*) FILTER (WHERE c.status = 'layout_changed')   AS unread_invoices,
       max(c.detected_at)::date                              AS last_seen,
       (SELECT string_agg(DISTINCT ch.value #>> '{}', ' ; ')
          FROM invoice_layout_change l, jsonb_array_elements(l.changes) AS ch(value)
         WHERE l.supplier = c.supplier
           AND l.detected_at >= max(c.detected_at) - interval '1 day') AS latest_changes,
       count(*)                                              AS departed_invoices
  FROM invoice_layout_change c
 WHERE c.detected_at >= now() - interval '90 days'
 GROUP BY c.supplier;
