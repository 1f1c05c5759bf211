"""Credentials reach the Airflow connection only (erasure: test_erasure.py)."""

from __future__ import annotations

import json
import logging

import pytest

from collecte.consent.credentials import default_conn_id
from collecte.warehouse.db import connect
from tests.integration.consent.conftest import contact_browser

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
