-- The audit log is append-only and hash-chained (issue #11.14).
--
-- Each row carries the SHA-256 of the previous row's hash and of its own fields (`row_hash`), so
-- changing, removing or reordering any row breaks the chain from there on; `python -m
-- collecte.consent audit verify` recomputes it. Rows are chained one at a time (an advisory lock
-- held until commit, the id taken under the lock), so concurrent writers never fork the chain.
-- UPDATE, DELETE and TRUNCATE are refused by triggers for every role, and not granted to the
-- application role `collecte_app` (a deployment's login role is a member of it and does not own
-- the tables); retention and erasure never touch this table.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS prev_hash text;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS row_hash text;

CREATE OR REPLACE FUNCTION collecte_audit_field(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL THEN '~' ELSE length(value)::text || ':' || value END
$$;

CREATE OR REPLACE FUNCTION collecte_audit_payload(r audit_log) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws('|', r.id::text,
                     to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                     collecte_audit_field(r.actor), collecte_audit_field(r.action),
                     collecte_audit_field(r.object_type), collecte_audit_field(r.object_id),
                     collecte_audit_field(r.ip), collecte_audit_field(r.detail::text))
$$;

CREATE OR REPLACE FUNCTION collecte_audit_hash(prev text, payload text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(prev || '|' || payload, 'UTF8')), 'hex')
$$;

-- chain the rows written before this migration, in id order
DO $$
DECLARE
    r audit_log;
    prev text := repeat('0', 64);
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        UPDATE audit_log SET prev_hash = prev, row_hash = collecte_audit_hash(prev, collecte_audit_payload(r))
         WHERE id = r.id;
        prev := collecte_audit_hash(prev, collecte_audit_payload(r));
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION collecte_audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7351412);
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    NEW.at := COALESCE(NEW.at, now());
    NEW.detail := COALESCE(NEW.detail, '{}'::jsonb);
    NEW.prev_hash := COALESCE((SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), repeat('0', 64));
    NEW.row_hash := collecte_audit_hash(NEW.prev_hash, collecte_audit_payload(NEW));
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION collecte_audit_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS audit_log_chain ON audit_log;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION collecte_audit_chain();
DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION collecte_audit_refuse();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION collecte_audit_refuse();
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN row_hash SET NOT NULL;

-- the application role: reads and appends, never changes
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'collecte_app') THEN
        CREATE ROLE collecte_app NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO collecte_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO collecte_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO collecte_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO collecte_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO collecte_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC, collecte_app;
