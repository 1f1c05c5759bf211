-- Revocations of GRDF access rights (PATCH /droit_acces/{id}) asked when a mandate is revoked or
-- expires: one row per attempt, with its outcome (revoked | nothing_to_revoke | failed).
CREATE TABLE IF NOT EXISTS gas_access_right_revocation (
    id              bigserial   PRIMARY KEY,
    pce             text        NOT NULL,
    right_id        text,                   -- id_droit_acces, when one was found
    mandate_id      text,
    reason          text        NOT NULL,   -- e.g. mandate revoked, mandate expired
    outcome         text        NOT NULL CHECK (outcome IN ('revoked', 'nothing_to_revoke', 'failed')),
    state_before    text,
    state_after     text,
    message         text,
    attempted_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS gas_access_right_revocation_pce ON gas_access_right_revocation (pce, attempted_at);
