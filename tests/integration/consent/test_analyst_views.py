"""The analyst role reads no personal data (issue #11.7): people's tables only through views without
names, e-mails, phones, addresses or IP addresses; customer names and addresses left out of data tables."""

from __future__ import annotations

import psycopg
import pytest

from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
PERSONAL = ("Claire", "Martin", "claire.martin@demo-energie.example", "Karim", "Benali", "karim.benali@demo-sud.example",
            "10.9.8.7", "12 rue", "Jean Dupont")


def test_analyst_sees_views_without_personal_data(seeded):
    pg_url, _, _ = seeded
    with connect(pg_url, autocommit=True) as admin:
        admin.execute("INSERT INTO audit_log (actor, action, object_type, object_id, ip)"
                      " VALUES ('contact:referent', 'mandate.read', 'mandate', 'M-1', '10.9.8.7')")
        admin.execute("UPDATE mandate SET signer_ip = '10.9.8.7'")
        admin.execute("UPDATE entity SET address = '12 rue des Lilas'")
        admin.execute("INSERT INTO meter_contract (meter_id, source, holder, address, raw_key) VALUES"
                      " ('30001234567890', 'enedis', 'Jean Dupont', '12 rue des Lilas', 'raw/x')")
        admin.execute("SET ROLE collecte_analyst")
        for table in ("contact", "mandate", "mandate_otp", "contact_link", "audit_log", "erasure_request", "entity",
                      "site"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                admin.execute(f"SELECT * FROM public.{table}")
        for column in ("holder", "address"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                admin.execute(f"SELECT {column} FROM meter_contract")
        assert admin.execute("SELECT meter_id FROM meter_contract").fetchall() == [("30001234567890",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            admin.execute("SELECT customer_name FROM invoice")
        admin.execute("SELECT invoice_number, total_vat FROM invoice").fetchall()
        dump = []
        for view in ("entity", "site", "contact", "mandate", "audit_log", "erasure_request"):
            rows = admin.execute(f"SELECT v::text FROM analyst.{view} v").fetchall()
            assert rows or view == "erasure_request", view
            dump += [r[0] for r in rows]
        text = "\n".join(dump)
        assert "Démo Énergie Sud" in text  # a legal person's name is not personal data
        assert not [p for p in PERSONAL if p in text]
