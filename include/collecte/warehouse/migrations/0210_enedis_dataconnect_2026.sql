-- Data Connect 2026 contract data: a self-consumption PRM has two contracts. meter_contract keeps the
-- withdrawal one (Contrat GRD-F); the injection one (Contrat GRD-A, segment P4, no power) is recorded
-- here: {"contract_type", "segment", "contract_start", "generation_last_activation_date"}.
ALTER TABLE meter_contract ADD COLUMN IF NOT EXISTS injection_contract jsonb;
COMMENT ON COLUMN meter_contract.status IS
    'no longer given by Data Connect 2026 (no SERVC/RESIL field); SGE still gives etatContractuel';
COMMENT ON COLUMN meter_contract.fta IS
    'Data Connect 2026: the distribution_tariff label (e.g. Tarif BT<=36kVA Moyenne Utilisation ...); SGE: the FTA code';
