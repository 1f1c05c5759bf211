-- The analyst role reads no personal data (issue #11.7).
--
-- Tables of people (contacts, mandates with their signatory, one-time codes, personal links, the
-- audit trail, erasure requests) and the addresses of entities and sites are no longer readable
-- by `collecte_analyst`; schema `analyst` offers views of them without names, e-mails, phones,
-- addresses or IP addresses. In data tables, the columns naming a customer or an address are
-- left out of the analyst's column grants (a column added later is not granted by default).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'collecte_analyst') THEN
        CREATE ROLE collecte_analyst NOLOGIN;
    END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS analyst;

CREATE OR REPLACE VIEW analyst.entity WITH (security_barrier) AS
    SELECT id, organization_id, parent_id, kind, autonomous, person_type,
           CASE WHEN person_type = 'legal' THEN name END AS name,
           CASE WHEN person_type = 'legal' THEN company_name END AS company_name,
           siret, naf, postal_code
      FROM public.entity;

CREATE OR REPLACE VIEW analyst.site WITH (security_barrier) AS
    SELECT s.id, s.entity_id, CASE WHEN e.person_type = 'legal' THEN s.name END AS name, s.postal_code
      FROM public.site s JOIN public.entity e ON e.id = s.entity_id;

CREATE OR REPLACE VIEW analyst.contact WITH (security_barrier) AS
    SELECT id, entity_id, role, erased_at IS NOT NULL AS erased FROM public.contact;

CREATE OR REPLACE VIEW analyst.mandate WITH (security_barrier) AS
    SELECT id, entity_id, contact_id, person_type,
           CASE WHEN person_type = 'legal' THEN company_name END AS company_name,
           siret, naf, data_kinds, start_date, end_date, status, signed_at, revoked_at, created_at
      FROM public.mandate;

CREATE OR REPLACE VIEW analyst.audit_log WITH (security_barrier) AS
    SELECT id, at, split_part(actor, ':', 1) AS actor_kind, action, object_type FROM public.audit_log;

CREATE OR REPLACE VIEW analyst.erasure_request WITH (security_barrier) AS
    SELECT id, subject_type, requested_at, completed_at FROM public.erasure_request;

GRANT USAGE ON SCHEMA analyst TO collecte_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA analyst TO collecte_analyst;

REVOKE ALL ON public.contact, public.mandate, public.mandate_otp, public.contact_link, public.audit_log,
              public.erasure_request, public.entity, public.site FROM collecte_analyst;

DO $$
DECLARE
    spec record;
BEGIN
    FOR spec IN SELECT * FROM (VALUES ('invoice', ARRAY['customer_name']),
                                      ('invoice_site', ARRAY['site_address']),
                                      ('meter_contract', ARRAY['holder', 'address'])) AS v(tbl, hidden) LOOP
        IF to_regclass('public.' || spec.tbl) IS NOT NULL THEN
            EXECUTE format('REVOKE SELECT ON public.%I FROM collecte_analyst', spec.tbl);
            EXECUTE (SELECT format('GRANT SELECT (%s) ON public.%I TO collecte_analyst',
                                   string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position), spec.tbl)
                       FROM information_schema.columns
                      WHERE table_schema = 'public' AND table_name = spec.tbl AND column_name <> ALL (spec.hidden));
        END IF;
    END LOOP;
END
$$;
