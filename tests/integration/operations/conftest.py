"""The operations app served on a free port, over a seeded warehouse; staff of every role."""

from __future__ import annotations

import threading
import time

import pytest

from tests.integration.consent.conftest import (  # noqa: F401 (fixtures shared with the consent tests)
    auth_manager,
    consent_airflow_home,
    staff_tokens,
)
from tests.integration.coverage.seed import seed_coverage

SECRET = b"operations-test-secret"


@pytest.fixture
def operations_app(pg_url, raw_zone, auth_manager, tmp_path):  # noqa: F811
    """(base_url, pg_url, raw_zone): `collecte.web.operations` served by uvicorn."""
    import uvicorn

    from collecte.consent.credentials import AirflowConnectionStore
    from collecte.consent.mailer import MaildirMailer
    from collecte.warehouse.db import connect
    from collecte.web.app import create_app
    from collecte.web.context import WebSettings
    from collecte.web.operations.routes import router
    from sandbox.services.common import free_port

    with connect(pg_url, autocommit=True) as conn:
        seed_coverage(conn)
    settings = WebSettings(warehouse_url=pg_url, zone=raw_zone, mailer=MaildirMailer(tmp_path / "mail"),
                           credential_store=AirflowConnectionStore(), secret_key=SECRET)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, routers=(router,)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("operations app did not start within 15 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", pg_url, raw_zone
    server.should_exit = True
    thread.join(timeout=10)
