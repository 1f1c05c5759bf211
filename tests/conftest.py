"""Session-wide local services for the tests, with cheap per-test isolation.

Services start once per pytest session on free ports (PostgreSQL ~1 s, sshd ~0.1 s, S3 ~0.5 s),
only when a test asks for them; each test then gets a fresh database (cloned from a migrated
template), a fresh bucket, a fresh SFTP folder.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.services.common import free_port

REPO = Path(__file__).resolve().parents[1]
_counter = itertools.count()

# Airflow reads its configuration when first imported: point it at a throw-away home first.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="collecte-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__DEFAULT_TIMEZONE", "UTC")
os.environ.setdefault("TZ", "UTC")


def shared_dir() -> Path | None:
    """The steering repo's shared/ folder (samples, contracts), or None outside the dev machines."""
    candidate = Path(os.environ.get("COLLECTE_SHARED_DIR", REPO.parent / "shared"))
    return candidate if candidate.is_dir() else None


def require_shared(*parts: str) -> Path:
    """Path under shared/, or skip the test with the reason."""
    base = shared_dir()
    if base is None or not base.joinpath(*parts).exists():
        pytest.skip(f"../shared/{'/'.join(parts)} is absent (it exists on the developers' machines and in CI only)")
    return base.joinpath(*parts)


@pytest.fixture(scope="session")
def services_dir() -> Iterator[Path]:
    """A folder every service user can traverse (PostgreSQL runs as `postgres`)."""
    path = Path(tempfile.mkdtemp(prefix="collecte-test-"))
    path.chmod(0o755)
    yield path


@pytest.fixture(scope="session")
def postgres_server(services_dir: Path):
    """A PostgreSQL cluster for the session, with a migrated template database."""
    from collecte.warehouse.db import connect, migrate
    from sandbox.services.postgres import PostgresServer

    server = PostgresServer(services_dir / "pg", free_port(), attached=True).start()
    url = server.create_database("collecte_template")
    with connect(url) as conn:
        migrate(conn)
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server) -> str:
    """URL of a fresh, migrated warehouse database for this test."""
    name = f"t{next(_counter)}_{uuid.uuid4().hex[:6]}"
    return postgres_server.create_database(name, template="collecte_template")


@pytest.fixture(scope="session")
def s3_server():
    """The S3 API server (moto) for the session."""
    from sandbox.services.s3 import S3Server

    server = S3Server(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server):
    """(client, bucket): a boto3 client and a fresh bucket for this test."""
    bucket = f"collecte-test-{uuid.uuid4().hex[:10]}"
    s3_server.ensure_bucket(bucket)
    return s3_server.client(), bucket


@pytest.fixture
def raw_zone(s3):
    """A RawZone on a fresh bucket."""
    from collecte.landing.raw_zone import RawZone

    client, bucket = s3
    return RawZone(client, bucket)


@pytest.fixture(scope="session")
def sshd_server(services_dir: Path):
    """OpenSSH sshd serving SFTP on 127.0.0.1 with a pinned host key, for the session; clients log in as
    the dedicated SFTP user, chrooted into a root-owned folder outside /tmp."""
    import shutil

    from sandbox.services.sshd import SshdServer, chroot_parent

    root = Path(tempfile.mkdtemp(prefix="collecte-test-", dir=chroot_parent()))
    server = SshdServer(services_dir / "ssh", root, free_port()).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sftp_root(sshd_server) -> Path:
    """A fresh folder served by sshd for this test; its name is the test's remote base path."""
    path = sshd_server.root_dir / f"t{uuid.uuid4().hex[:8]}"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata DB (SQLite in AIRFLOW_HOME), initialised once per session."""
    from airflow.utils.db import initdb

    initdb()


@pytest.fixture(scope="session")
def demo_erp():
    """The sandbox ERP every DAG test exports to (connection `collecte_erp`)."""
    from sandbox.erp.server import ErpServer

    server = ErpServer(free_port(), token="erp-demo-token").start()
    yield server
    server.stop()


@pytest.fixture
def airflow_home(airflow_db, postgres_server, pg_url, s3_server, s3, sshd_server, demo_erp, monkeypatch):
    """Connections and variables of a deployment, pointing at this test's services.

    Returns a namespace with `pg_url`, `bucket`, `s3` (client) and `sftp_root` (the folder
    sshd serves, where sandbox suppliers drop their files).
    """
    import json
    from types import SimpleNamespace

    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY

    client, bucket = s3
    db_name = pg_url.rsplit("/", 1)[1]
    connections = {
        "COLLECTE_S3": {"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                        "extra": {"endpoint_url": s3_server.endpoint_url, "region_name": REGION}},
        "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": "127.0.0.1", "port": postgres_server.port,
                               "login": "postgres", "schema": db_name},
        "COLLECTE_SFTP": {"conn_type": "sftp", "host": "127.0.0.1", "port": sshd_server.port,
                          "login": sshd_server.username, "extra": sshd_server.connection_extra()},
        "COLLECTE_ERP": {"conn_type": "http", "host": demo_erp.base_url, "password": "erp-demo-token"},
    }
    for name, value in connections.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(value))
    monkeypatch.setenv("AIRFLOW_VAR_COLLECTE_BUCKET", bucket)
    return SimpleNamespace(pg_url=pg_url, bucket=bucket, s3=client, sftp_root=sshd_server.root_dir,
                           sshd=sshd_server, erp=demo_erp.base_url)


def run_dag(dag, **kwargs):
    """Run a DAG in-process with dag.test(); return the DagRun."""
    return dag.test(**kwargs)
