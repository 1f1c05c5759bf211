-- Consent and GDPR: who the customers are, what they authorized, and the audit trail.
--
-- organization > entity (branch / subsidiary, maybe autonomous) > site > meter (PRM / PCE);
-- supplier accounts belong to an entity; contacts belong to an entity, with a role.
-- A mandate is signed by one entity's signatory and covers meters and supplier accounts
-- (mandate_scope rows) for some data kinds, from start_date to end_date (at most 3 years).
-- Credentials are NOT here: supplier_account.conn_id only names the Airflow connection.

CREATE TABLE IF NOT EXISTS organization (
    id              text        PRIMARY KEY,
    name            text        NOT NULL,
    siren           text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS entity (
    id              text        PRIMARY KEY,
    organization_id text        NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    parent_id       text        REFERENCES entity (id) ON DELETE SET NULL,
    name            text        NOT NULL,
    kind            text        NOT NULL DEFAULT 'branch'
                    CHECK (kind IN ('head_office', 'branch', 'subsidiary')),
    autonomous      boolean     NOT NULL DEFAULT false,  -- signs its own mandates with its own contact
    person_type     text        NOT NULL DEFAULT 'legal' CHECK (person_type IN ('legal', 'natural')),
    company_name    text,
    siret           text        CHECK (siret IS NULL OR siret ~ '^[0-9]{14}$'),
    naf             text,
    address         text,
    postal_code     text,
    city            text
);

CREATE TABLE IF NOT EXISTS contact (
    id              text        PRIMARY KEY,
    entity_id       text        NOT NULL REFERENCES entity (id) ON DELETE CASCADE,
    role            text        NOT NULL CHECK (role IN ('group_referent', 'entity_contact')),
    civility        text,
    surname         text,
    first_name      text,
    title           text,
    email           text,
    phone           text,
    erased_at       timestamptz             -- personal fields are NULL once erased
);
CREATE UNIQUE INDEX IF NOT EXISTS contact_email ON contact (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE IF NOT EXISTS site (
    id              text        PRIMARY KEY,
    entity_id       text        NOT NULL REFERENCES entity (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    address         text,
    postal_code     text,
    city            text
);

CREATE TABLE IF NOT EXISTS meter (
    id              text        PRIMARY KEY,              -- PRM (14 digits) or PCE (14 digits / GI + 6)
    site_id         text        NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    operator        text        NOT NULL,                 -- enedis | grdf
    energy          text        NOT NULL CHECK (energy IN ('electricity', 'gas')),
    point_kind      text        NOT NULL CHECK (point_kind IN ('PRM', 'PCE')),
    CHECK ((point_kind = 'PRM' AND id ~ '^[0-9]{14}$')
        OR (point_kind = 'PCE' AND id ~ '^([0-9]{14}|GI[0-9]{6})$'))
);

CREATE TABLE IF NOT EXISTS supplier_account (
    supplier        text        NOT NULL,                 -- supplier code of include/config/suppliers
    account_id      text        NOT NULL,
    entity_id       text        NOT NULL REFERENCES entity (id) ON DELETE CASCADE,
    site_id         text        REFERENCES site (id) ON DELETE SET NULL,
    conn_id         text,                                 -- Airflow connection id; never a secret
    credentials_updated_at timestamptz,
    PRIMARY KEY (supplier, account_id)
);

CREATE TABLE IF NOT EXISTS mandate (
    id              text        PRIMARY KEY,
    entity_id       text        NOT NULL REFERENCES entity (id) ON DELETE CASCADE,
    contact_id      text        REFERENCES contact (id) ON DELETE SET NULL,
    person_type     text        NOT NULL CHECK (person_type IN ('legal', 'natural')),
    -- legal person
    company_name    text,
    siret           text,
    naf             text,
    -- natural person
    civility        text,
    surname         text,
    first_name      text,
    -- the signatory representing the customer
    signatory_name  text,
    signatory_title text,
    signatory_email text,
    postal_code     text,
    data_kinds      text[]      NOT NULL,
    start_date      date        NOT NULL,
    end_date        date        NOT NULL,
    status          text        NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'signed', 'revoked', 'expired')),
    mandate_text    text,
    text_sha256     text,
    evidence_key    text,                                 -- signed PDF in S3 (consent/ prefix)
    signed_at       timestamptz,
    signer_ip       text,
    revoked_at      timestamptz,
    revocation_reason text,
    reminder_sent_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date > start_date AND end_date <= start_date + interval '3 years'),
    CHECK (person_type = 'natural' OR company_name IS NOT NULL OR status = 'revoked'),
    CHECK (status <> 'signed' OR (signed_at IS NOT NULL AND text_sha256 IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS mandate_entity ON mandate (entity_id, status);

CREATE TABLE IF NOT EXISTS mandate_scope (
    mandate_id      text        NOT NULL REFERENCES mandate (id) ON DELETE CASCADE,
    target_type     text        NOT NULL CHECK (target_type IN ('meter', 'account')),
    source          text        NOT NULL,                 -- operator (enedis, grdf) or supplier code
    target_id       text        NOT NULL,                 -- PRM / PCE, or supplier account id
    PRIMARY KEY (mandate_id, target_type, source, target_id)
);
CREATE INDEX IF NOT EXISTS mandate_scope_target ON mandate_scope (target_type, source, target_id);

-- One-time codes: only a salted hash is kept; a code is good for 10 minutes and 5 attempts.
CREATE TABLE IF NOT EXISTS mandate_otp (
    mandate_id      text        PRIMARY KEY REFERENCES mandate (id) ON DELETE CASCADE,
    code_hash       text        NOT NULL,
    sent_to         text        NOT NULL,
    expires_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    confirmed_at    timestamptz
);

CREATE TABLE IF NOT EXISTS erasure_request (
    id              bigserial   PRIMARY KEY,
    subject_type    text        NOT NULL CHECK (subject_type IN ('contact', 'mandate', 'entity')),
    subject_id      text        NOT NULL,
    requested_by    text        NOT NULL,
    reason          text,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    summary         jsonb
);

-- Who read or changed mandates, credentials and personal data. Never holds a secret.
CREATE TABLE IF NOT EXISTS audit_log (
    id              bigserial   PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text        NOT NULL,
    action          text        NOT NULL,                 -- e.g. mandate.sign, credentials.replace
    object_type     text        NOT NULL,                 -- mandate | credentials | contact | ...
    object_id       text        NOT NULL,
    ip              text,
    detail          jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS audit_log_object ON audit_log (object_type, object_id, at);
