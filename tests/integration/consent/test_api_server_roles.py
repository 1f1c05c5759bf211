"""The consent pages inside a real `airflow api-server` (issue #11.1-3): users of each SimpleAuthManager
role sign in through Airflow's own /auth/token, then use the plugin's pages as a browser would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.consent.conftest import ROLES, Browser

pytestmark = [pytest.mark.services, pytest.mark.timeout(420)]


@pytest.fixture
def api_server(postgres_server, pg_url, s3_server, s3, raw_zone, tmp_path):
    """`airflow api-server` with the collecte plugin on a free loopback port, the demo organization seeded."""
    import httpx

    from collecte.consent.demo import seed_demo
    from collecte.warehouse.db import connect
    from sandbox.services.common import free_port, wait_until
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY

    with connect(pg_url) as conn:
        seed_demo(conn, raw_zone, with_config=False)
    client, bucket = s3
    port, home = free_port(), tmp_path / "airflow"
    home.mkdir()
    passwords = {role: f"{role}-pw-{port}" for role in ROLES}
    (home / "passwords.json").write_text(json.dumps(passwords))
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path / "no-dags"),
           "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{r}:{r}" for r in ROLES),
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
           "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}", "AIRFLOW__API_AUTH__JWT_SECRET": f"jwt-{port}",
           "AIRFLOW__API__SECRET_KEY": f"secret-{port}", "COLLECTE_CONSENT_SECRET": f"consent-{port}",
           "PYTHONPATH": f"{REPO / 'include'}:{REPO}", "TZ": "UTC",
           "AIRFLOW_CONN_COLLECTE_WAREHOUSE": json.dumps({
               "conn_type": "postgres", "host": "127.0.0.1", "port": postgres_server.port, "login": "postgres",
               "schema": pg_url.rsplit("/", 1)[1]}),
           "AIRFLOW_CONN_COLLECTE_S3": json.dumps({
               "conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
               "extra": {"endpoint_url": s3_server.endpoint_url, "region_name": REGION}}),
           "AIRFLOW_VAR_COLLECTE_BUCKET": bucket}
    (tmp_path / "no-dags").mkdir()
    airflow = str(Path(sys.executable).parent / "airflow")
    done = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    log_path = tmp_path / "api-server.log"
    log = open(log_path, "w")  # noqa: SIM115 (open for the server's whole life)
    server = subprocess.Popen([airflow, "api-server", "-H", "127.0.0.1", "-p", str(port)], env=env, cwd=REPO,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until("airflow api-server", ready, timeout=240, log_hint=f"See {log_path}.")
        tokens = {}
        for role in ROLES:
            answer = httpx.post(f"{base}/auth/token", json={"username": role, "password": passwords[role]}, timeout=30)
            assert answer.status_code == 201, answer.text
            tokens[role] = answer.json()["access_token"]
        yield base, tokens, pg_url, log_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_roles_and_links_through_the_real_api_server(api_server):
    base, tokens, pg_url, log_path = api_server
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
