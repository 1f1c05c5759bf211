"""The Airflow UI plugin: its FastAPI app mounted as Airflow's API server mounts it, settings from connections."""

from __future__ import annotations

import importlib.util
import re

import pytest

from collecte.warehouse.db import connect
from tests.conftest import REPO

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _plugin_module():
    spec = importlib.util.spec_from_file_location("collecte_plugin_under_test", REPO / "plugins" / "collecte_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plugin_serves_contact_pages_from_airflow_connections(airflow_home, monkeypatch):
    from airflow.api_fastapi.app import RESERVED_URL_PREFIXES
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from collecte.consent.demo import seed_demo
    from collecte.consent.links import issue_link
    from collecte.landing.raw_zone import RawZone

    monkeypatch.setenv("COLLECTE_CONSENT_SECRET", "plugin-secret")
    plugin = _plugin_module().CollectePlugin
    entries = {e["url_prefix"]: e for e in plugin.fastapi_apps}
    assert set(entries) == {"/collecte-consent", "/collecte-ops"}
    assert not any(prefix.startswith(p) for prefix in entries for p in RESERVED_URL_PREFIXES)
    assert {v["href"] for v in plugin.external_views} == {
        "collecte-consent/status", "collecte-ops/coverage", "collecte-ops/status"}
    entry = entries["/collecte-consent"]
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket), with_config=False)
        token = issue_link(conn, "referent", actor="test")
    parent = FastAPI()
    parent.mount(entry["url_prefix"], entry["app"])  # what airflow.api_fastapi.app.init_plugins does
    client = TestClient(parent)
    page = client.get(f"/collecte-consent/c/{token}")
    assert page.status_code == 200 and "Agence de Lyon" in page.text
    assert page.url.path == "/collecte-consent/me"
    links = re.findall(r'href="([^"]+)"', page.text)
    assert links and all(link.startswith("/collecte-consent/") for link in links)
    assert client.get("/collecte-consent/status").status_code == 401  # no Airflow session


def test_plugin_status_page_accepts_a_signed_in_airflow_user(airflow_home, monkeypatch):
    from airflow.api_fastapi.app import init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    monkeypatch.setenv("COLLECTE_CONSENT_SECRET", "plugin-secret")
    token = init_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
    parent = FastAPI()
    for entry in _plugin_module().CollectePlugin.fastapi_apps:
        parent.mount(entry["url_prefix"], entry["app"])
    client = TestClient(parent)
    assert client.get("/collecte-ops/coverage", cookies={"_token": token}).status_code == 200
    assert client.get("/collecte-ops/coverage").status_code == 401
    assert client.get("/collecte-consent/status", cookies={"_token": "forged"}).status_code == 401
    page = client.get("/collecte-consent/status", cookies={"_token": token})
    assert page.status_code == 200 and "Mandats par entité" in page.text
    with connect(airflow_home.pg_url) as conn:
        assert conn.execute("SELECT actor FROM audit_log WHERE action = 'status.read'").fetchall() == [("staff:admin",)]
