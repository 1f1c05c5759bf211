"""Export fixtures: the sandbox ERP, the warehouse, connectors to the real sshd and another database."""

from __future__ import annotations

import contextlib

import pytest

from sandbox.services.common import free_port

ERP_TOKEN = "erp-test-token"


@pytest.fixture(scope="session")
def erp_server():
    """The sandbox ERP for the session (bearer token required)."""
    from sandbox.erp.server import ErpServer

    server = ErpServer(free_port(), token=ERP_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def erp(erp_server):
    """Base URL of the ERP, emptied for this test."""
    import httpx

    httpx.post(erp_server.base_url + "/_sandbox/reset", timeout=5).raise_for_status()
    return erp_server.base_url


@pytest.fixture
def warehouse(pg_url):
    """An open connection to a fresh, migrated warehouse."""
    from collecte.warehouse.db import connect

    with connect(pg_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def other_db_url(postgres_server) -> str:
    """SQLAlchemy URL of another, empty PostgreSQL database (the export target)."""
    import uuid

    url = postgres_server.create_database(f"target_{uuid.uuid4().hex[:8]}")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def waits() -> list[float]:
    """The backoff waits the exporters asked for (tests do not sleep)."""
    return []


@pytest.fixture
def connectors(erp, sshd_server, other_db_url, waits):
    """Connectors reaching the ERP, the real sshd (host key pinned) and the other database; no sleeping."""
    import sqlalchemy as sa

    from collecte.export.rest import RestTarget
    from collecte.export.runner import Connectors
    from collecte.export.sftp_outbox import paramiko_sftp

    engines = {}

    def rest_target(config):
        return RestTarget(base_url=erp, token=ERP_TOKEN, path=config.path, max_attempts=config.max_attempts,
                          backoff_seconds=config.backoff_seconds, timeout_seconds=5)

    def sftp_session(conn_id):
        return paramiko_sftp("127.0.0.1", sshd_server.port, sshd_server.username, str(sshd_server.client_key_file),
                             sshd_server.host_key)

    def engine(conn_id):
        return engines.setdefault(conn_id, sa.create_engine(other_db_url))

    yield Connectors(rest_target=rest_target, sftp_session=sftp_session, engine=engine, sleep=waits.append)
    for e in engines.values():
        with contextlib.suppress(Exception):
            e.dispose()
