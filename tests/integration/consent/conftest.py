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
STAFF_TOKEN = "staff-test-token"


@pytest.fixture
def consent_app(seeded, mailbox_dir, consent_airflow_home):
    """The consent web app served by uvicorn on a free 127.0.0.1 port: (base_url, settings)."""
    import threading
    import time

    import uvicorn

    from collecte.consent.credentials import AirflowConnectionStore
    from collecte.consent.mailer import MaildirMailer
    from collecte.consent.web import WebSettings, create_app
    from sandbox.services.common import free_port

    pg_url, zone, _ = seeded
    settings = WebSettings(warehouse_url=pg_url, zone=zone, mailer=MaildirMailer(mailbox_dir),
                           credential_store=AirflowConnectionStore(), secret_key=SECRET,
                           staff_token=STAFF_TOKEN, today=lambda: TODAY)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
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
