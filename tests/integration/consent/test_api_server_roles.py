"""The consent pages inside a real `airflow api-server` (issue #11.1-3): users of each SimpleAuthManager
role sign in through Airflow's own /auth/token, then use the plugin's pages as a browser would."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.integration.api_server import airflow_api_server
from tests.integration.consent.conftest import ROLES, Browser

pytestmark = [pytest.mark.services, pytest.mark.timeout(420)]


@pytest.fixture
def api_server(postgres_server, pg_url, s3_server, s3, raw_zone, tmp_path):
    """`airflow api-server` with the collecte plugin, a user per role, the demo organization seeded."""
    import httpx

    from collecte.consent.demo import seed_demo
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        seed_demo(conn, raw_zone, with_config=False)
    passwords = {role: f"{role}-pw-{uuid.uuid4().hex[:8]}" for role in ROLES}
    (tmp_path / "no-dags").mkdir()
    with airflow_api_server(tmp_path, users={r: r for r in ROLES}, passwords=passwords,
                            warehouse_port=postgres_server.port, warehouse_db=pg_url.rsplit("/", 1)[1],
                            s3_endpoint=s3_server.endpoint_url, bucket=s3[1], dags_folder=tmp_path / "no-dags") as base:
        tokens = {}
        for role in ROLES:
            answer = httpx.post(f"{base}/auth/token", json={"username": role, "password": passwords[role]}, timeout=30)
            assert answer.status_code == 201, answer.text
            tokens[role] = answer.json()["access_token"]
        yield base, tokens


def test_roles_and_links_through_the_real_api_server(api_server):
    base, tokens = api_server
    prefix = "/collecte-consent"
    assert Browser(base).get(f"{prefix}/status").status_code == 401
    for role in ("viewer", "user"):
        browser = Browser(base, cookies={"_token": tokens[role]})
        page = browser.get(f"{prefix}/status")
        assert page.status_code == 200 and "Agence de Lyon" in page.text and "Nouveau lien" not in page.text, role
        assert browser.post(f"{prefix}/staff/contacts/referent/links").status_code == 403, role
    links = []
    for role in ("op", "admin"):
        browser = Browser(base, cookies={"_token": tokens[role]})
        assert "Nouveau lien" in browser.get(f"{prefix}/status").text
        assert browser.post(f"{prefix}/staff/contacts/referent/links", headers={"Origin": "http://evil.example"}
                            ).status_code == 403
        issued = browser.post(f"{prefix}/staff/contacts/referent/links")
        assert issued.status_code == 200, (role, issued.text[-300:])
        links.append(re.search(r'<code id="new-link">([^<]+)</code>', issued.text).group(1))
    assert all(link.startswith(f"{base}{prefix}/c/") for link in links)
    contact = Browser(base)
    opened = contact.get(links[0].removeprefix(base))
    assert opened.status_code == 303 and opened.headers["location"] == f"{prefix}/me"
    assert f"Path={prefix}/" in opened.headers["set-cookie"]
    home = contact.get(f"{prefix}/me")
    assert home.status_code == 200 and "Agence de Lyon" in home.text
    assert Browser(base).get(links[0].removeprefix(base)).status_code == 410
    admin = Browser(base, cookies={"_token": tokens["admin"]})
    admin.get(f"{prefix}/status")
    assert admin.post(f"{prefix}/staff/contacts/referent/links/revoke").status_code == 200
    assert contact.get(f"{prefix}/me").status_code == 401
