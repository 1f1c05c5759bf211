"""Fixtures of the consent tests: a seeded demo organization, a sandbox mailbox, an Airflow home."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

TODAY = date(2026, 11, 2)


@pytest.fixture
def mailbox_dir(tmp_path: Path) -> Path:
    """The sandbox mailbox (a Maildir)."""
    return tmp_path / "mailbox"


@pytest.fixture
def seeded(pg_url, raw_zone):
    """(pg_url, raw_zone, seed result): the demo organization with its signed mandates."""
    from collecte.consent.demo import seed_demo
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        result = seed_demo(conn, raw_zone, today=TODAY, with_config=False)
    return pg_url, raw_zone, result


@pytest.fixture(scope="session")
def consent_airflow_home(airflow_db):
    """Airflow's metadata DB (the credential store), from the shared `airflow_db` fixture."""
    return os.environ["AIRFLOW_HOME"]

SECRET = b"consent-test-secret"
ROLES = ("admin", "op", "user", "viewer")  # SimpleAuthManager's roles


@pytest.fixture(scope="session")
def auth_manager(consent_airflow_home):
    """Airflow's configured auth manager (SimpleAuthManager here), initialised as the api-server does."""
    from airflow.api_fastapi.app import init_auth_manager

    return init_auth_manager()


@pytest.fixture(scope="session")
def staff_tokens(auth_manager) -> dict[str, str]:
    """A signed Airflow JWT per SimpleAuthManager role, as the UI's `_token` cookie carries it."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return {role: auth_manager.generate_jwt(SimpleAuthManagerUser(username=f"{role}-user", role=role))
            for role in ROLES}


class Browser:
    """An HTTP client that behaves as a browser on the app: keeps cookies, sends its Origin, and
    posts forms with the CSRF field of the last page it loaded."""

    def __init__(self, base_url: str, *, origin: str | None = None, cookies: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        import httpx

        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, cookies=cookies, timeout=30,
                                 headers={"Origin": origin or base_url, **(headers or {})})
        self.last_csrf = ""

    def get(self, path: str, **kwargs):
        """GET, remembering the page's CSRF token."""
        import re

        response = self.http.get(path, **kwargs)
        found = re.search(r'name="csrf_token" value="([^"]*)"', response.text)
        if found:
            self.last_csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs):
        """POST a form with the CSRF token of the last page (unless `csrf_token` is given)."""
        return self.http.post(path, data={"csrf_token": self.last_csrf, **(data or {})}, **kwargs)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


def issue_link(pg_url: str, contact_id: str, **kwargs) -> str:
    """A fresh personal link token for a contact, as the staff would issue it."""
    from collecte.consent.links import issue_link as issue
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        return issue(conn, contact_id, actor="test", **kwargs)


def contact_browser(base_url: str, pg_url: str, contact_id: str) -> Browser:
    """A browser that opened a fresh personal link of the contact (so it holds their session)."""
    browser = Browser(base_url)
    response = browser.get(f"/c/{issue_link(pg_url, contact_id)}")
    assert response.status_code == 303 and response.headers["location"].endswith("/me"), response.text
    return browser


def staff_browser(base_url: str, staff_tokens: dict[str, str], role: str) -> Browser:
    """A browser signed in to Airflow with the given role (the UI's `_token` cookie)."""
    return Browser(base_url, cookies={"_token": staff_tokens[role]})


@pytest.fixture
def consent_app(seeded, mailbox_dir, auth_manager):
    """The consent web app served by uvicorn on a free 127.0.0.1 port: (base_url, settings)."""
    import threading
    import time

    import uvicorn

    from collecte.consent.credentials import AirflowConnectionStore
    from collecte.consent.mailer import MaildirMailer
    from collecte.web.app import create_app
    from collecte.web.context import WebSettings
    from sandbox.services.common import free_port

    pg_url, zone, _ = seeded
    settings = WebSettings(warehouse_url=pg_url, zone=zone, mailer=MaildirMailer(mailbox_dir),
                           credential_store=AirflowConnectionStore(), secret_key=SECRET, today=lambda: TODAY)
    port = free_port()
    # proxy_headers=False as `airflow api-server` runs uvicorn (unless --proxy-headers): the app sees the peer
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("consent app did not start within 15 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
    thread.join(timeout=10)
