"""Credentials reach the Airflow connection only; erasure leaves nothing of the subject anywhere."""

from __future__ import annotations

import json
import logging

import pytest

from collecte.consent.credentials import default_conn_id
from collecte.consent.gate import collectable_accounts, collectable_meters
from collecte.warehouse.db import connect
from tests.integration.consent.conftest import TODAY, contact_browser

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
PASSWORD = "Tr3s-S3cret!pw-7731"


def _warehouse_dump(pg_url: str) -> str:
    """Every row of every table, as text."""
    with connect(pg_url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_type = 'BASE TABLE'")]
        return "\n".join(str(conn.execute(f'SELECT t::text FROM "{t}" t').fetchall()) for t in tables)


def _s3_dump(zone) -> str:
    parts = []
    for key in zone.keys(""):
        parts.append(key)
        parts.append(json.dumps(zone.metadata(key)))
        parts.append(zone.get(key).decode("latin-1"))
    return "\n".join(parts)


def test_credentials_go_to_the_airflow_connection_and_nowhere_else(consent_app, caplog, capfd):
    from airflow.models import Connection

    base_url, settings = consent_app
    with connect(settings.warehouse_url) as conn:
        conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id) VALUES ('volta', 'V-100234', 'siege')")
    form = "/me/accounts/volta/V-100234/credentials"
    browser = contact_browser(base_url, settings.warehouse_url, "referent")
    browser.get(form)
    caplog.set_level(logging.DEBUG)
    first = browser.post(form, {"login": "claire@volta", "password": PASSWORD, "op": "save"})
    assert first.status_code == 200 and "enregistrés" in first.text and PASSWORD not in first.text
    second = browser.post(form, {"login": "claire@volta", "password": PASSWORD + "2", "op": "save"})
    assert "Remplacer" in second.text
    stored = Connection.get_connection_from_secrets(default_conn_id("volta", "V-100234"))
    assert (stored.login, stored.password) == ("claire@volta", PASSWORD + "2")
    with connect(settings.warehouse_url) as conn:
        actions = [r[0] for r in conn.execute(
            "SELECT action FROM audit_log WHERE object_type = 'credentials' ORDER BY id")]
        assert actions == ["credentials.store", "credentials.replace"]
    deleted = browser.post(form, {"op": "delete"})
    assert "supprimés" in deleted.text
    with pytest.raises(Exception, match="isn't defined"):
        Connection.get_connection_from_secrets(default_conn_id("volta", "V-100234"))
    out, err = capfd.readouterr()
    assert PASSWORD not in caplog.text + out + err
    assert PASSWORD not in _warehouse_dump(settings.warehouse_url)
    assert PASSWORD not in _s3_dump(settings.zone)


def test_erasure_of_a_contact_leaves_no_personal_data_and_stops_collection(seeded):
    from collecte.consent.erasure import erase_contact

    pg_url, zone, result = seeded
    # personal data copied elsewhere by other parts of the project: a derived object and a table
    zone.put("staged/contracts/sud.json", json.dumps({"holder": "Karim Benali", "pce": "GI000123"}).encode(),
             content_type="application/json", metadata={"contact-name": "Karim Benali"})
    zone.client.put_object(Bucket=zone.bucket, Key="raw/source=grdf/kind=contract/account=GI000123/"
                           "received=2026-10-01/abc.json", Body=b'{"courriel": "karim.benali@demo-sud.example"}')
    with connect(pg_url) as conn:
        conn.execute("CREATE TABLE probe_contract_copy (meter_id text, source text, holder text, address jsonb,"
                     " PRIMARY KEY (meter_id, source))")
        conn.execute("INSERT INTO probe_contract_copy VALUES ('GI000123', 'grdf', 'M. Karim BENALI',"
                     " '{\"contact\": \"karim.benali@demo-sud.example\", \"city\": \"Marseille\"}')")
        conn.commit()
        before = _warehouse_dump(pg_url) + _s3_dump(zone)
        assert "Benali" in before and "karim.benali@demo-sud.example" in before
        report = erase_contact(conn, zone, "contact-sud", requested_by="dpo@collecte")
        assert len(report.revoked_mandates) == 1
        assert collectable_meters(conn, operator="grdf", data_kind="daily", on=TODAY,
                                  candidates=["GI000123"]).allowed == []
        assert collectable_meters(conn, operator="enedis", data_kind="daily", on=TODAY,
                                  candidates=["30001234567890"]).allowed == ["30001234567890"]  # others go on
    after_db, after_s3 = _warehouse_dump(pg_url), _s3_dump(zone)
    for needle in ("Benali", "BENALI", "karim.benali", "Karim"):
        assert needle.lower() not in after_db.lower(), needle
        assert needle.lower() not in after_s3.lower(), needle
    assert "Marseille" in after_db  # non-personal data stays
    assert "GI000123" in after_s3    # the derived object remains, redacted
    assert "Claire Martin" in after_db  # other subjects untouched


def test_erasure_on_revocation_of_a_natural_person_deletes_their_meter_data(pg_url, raw_zone):
    from collecte.consent.erasure import erase_mandate_subject
    from collecte.consent.mandates import draft_mandate, sign
    from collecte.consent.organizations import Organization
    from collecte.consent.registry import save_organization

    org = Organization.model_validate({
        "id": "particulier", "name": "Foyer", "entities": [{
            "id": "foyer", "name": "Foyer Dupont", "person_type": "natural", "postal_code": "31000",
            "contacts": [{"id": "c-0042", "role": "entity_contact", "civility": "Mme", "first_name": "Jeanne",
                          "surname": "Dupont", "email": "jeanne.dupont@example.org"}],
            "sites": [{"id": "maison", "name": "Maison", "meters": [{"id": "30001234567899", "operator": "enedis"}]}],
        }]})
    with connect(pg_url) as conn:
        save_organization(conn, org)
        draft = draft_mandate(conn, entity_id="foyer", contact_id="c-0042", start=TODAY, actor="test")
        mandate = sign(conn, raw_zone, draft.id, signer_ip="192.0.2.1", actor="test", require_code=False)
        raw_zone.land(b"curve", source="enedis", kind="load_curve", account="30001234567899", received=TODAY,
                      ext="json", original_name="c.json", origin="test")
        conn.execute("CREATE TABLE probe_curve (meter_id text, interval_end timestamptz, power_w int)")
        conn.execute("INSERT INTO probe_curve VALUES ('30001234567899', now(), 500)")
        report = erase_mandate_subject(conn, raw_zone, mandate.id, requested_by="contact:c-0042")
        assert report.revoked_mandates == [mandate.id]
        assert conn.execute("SELECT count(*) FROM probe_curve").fetchone()[0] == 0
        assert collectable_meters(conn, operator="enedis", data_kind="load_curve", on=TODAY,
                                  candidates=["30001234567899"]).allowed == []
        assert collectable_accounts(conn, supplier="x", data_kind="invoices", on=TODAY, candidates=[]).allowed == []
    assert raw_zone.keys("") == []
    dump = _warehouse_dump(pg_url).lower()
    assert "dupont" not in dump and "jeanne" not in dump
