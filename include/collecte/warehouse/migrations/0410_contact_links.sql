-- Personal links of contacts (issue #11.3): stored as a SHA-256 of the token only, with an expiry;
-- a link is exchanged once for a session cookie (used_at) and revoked per contact (revoked_at),
-- which also ends the sessions opened with it.
CREATE TABLE IF NOT EXISTS contact_link (
    id              bigserial   PRIMARY KEY,
    contact_id      text        NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    token_sha256    text        NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX IF NOT EXISTS contact_link_contact ON contact_link (contact_id);
