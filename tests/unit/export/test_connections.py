"""Exporter targets resolved from Airflow connections (as tasks do), without leaking secrets."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(60)


def test_rest_target_and_engine_from_airflow_connections(monkeypatch):
    from collecte.export.database import engine_from_connection
    from collecte.export.rest import rest_target_from_connection

    monkeypatch.setenv("AIRFLOW_CONN_TEST_ERP", json.dumps(
        {"conn_type": "http", "host": "erp.example", "schema": "https", "port": 8443, "password": "tok"}))
    monkeypatch.setenv("AIRFLOW_CONN_TEST_PARTNER", json.dumps(
        {"conn_type": "postgres", "host": "127.0.0.1", "port": 5999, "login": "u", "password": "pw",
         "schema": "partner"}))
    target = rest_target_from_connection("test_erp", max_attempts=2)
    assert (target.base_url, target.token, target.max_attempts) == ("https://erp.example:8443", "tok", 2)
    assert "tok" not in repr(target.base_url)
    engine = engine_from_connection("test_partner")
    assert engine.url.render_as_string(hide_password=True) == "postgresql+psycopg://u:***@127.0.0.1:5999/partner"
    engine.dispose()
