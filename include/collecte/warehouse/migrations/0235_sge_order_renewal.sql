-- SGE subscriptions last one year at most (SGT4H4): collecte renews them before they end. The
-- renewed order keeps its row, marked status RENEWED with the affaire of the order that renewed it;
-- an order that reached its end without renewal is marked EXPIRED. Single writer:
-- collecte.sources.enedis.telereleve.
ALTER TABLE sge_order ADD COLUMN IF NOT EXISTS renewed_by text;
COMMENT ON COLUMN sge_order.renewed_by IS 'affaire of the order that renewed this one (status RENEWED)';
CREATE INDEX IF NOT EXISTS sge_order_ending ON sge_order (last_day) WHERE status = 'ACTIVE';
