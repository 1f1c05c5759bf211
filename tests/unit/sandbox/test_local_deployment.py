"""The local deployment's secrets (issue #11.19): passwords.json, logs and generated secrets are 0600,
the consent secret is generated per .local/ (none hard-coded), PostgreSQL requires SCRAM passwords."""

from __future__ import annotations

import stat
import uuid

import psycopg
import pytest

from sandbox import demo
from sandbox.services.common import free_port
from sandbox.services.postgres import PostgresServer


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def local(tmp_path, monkeypatch):
    for name, value in {"LOCAL": tmp_path, "SECRETS": tmp_path / "secrets", "LOGS": tmp_path / "logs",
                        "RUN": tmp_path / "run", "AIRFLOW_HOME": tmp_path / "airflow"}.items():
        monkeypatch.setattr(demo, name, value)
    monkeypatch.setattr(demo, "service_env", dict)  # the services' values need running services
    return tmp_path


def test_passwords_logs_and_secrets_are_private(local):
    password = demo.admin_password()
    assert _mode(local / "airflow" / "passwords.json") == 0o600 and password == demo.admin_password()
    pid = demo.spawn("probe", ["true"])
    assert pid > 0 and _mode(local / "logs" / "probe.log") == 0o600 and _mode(local / "logs") == 0o700
    (local / "logs" / "old.log").write_text("link /c/abc")  # written before: fixed on next spawn
    (local / "logs" / "old.log").chmod(0o644)
    demo.spawn("old", ["true"])
    assert _mode(local / "logs" / "old.log") == 0o600
    env = demo.airflow_env()
    secret = env["COLLECTE_CONSENT_SECRET"]
    assert secret == (local / "secrets" / "consent_secret").read_text() and len(secret) >= 40
    assert secret != "collecte-demo-consent-secret" and _mode(local / "secrets" / "consent_secret") == 0o600
    assert _mode(local / "secrets") == 0o700 and demo.airflow_env()["COLLECTE_CONSENT_SECRET"] == secret
    from cryptography.fernet import Fernet

    key = env["AIRFLOW__CORE__FERNET_KEY"]
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"pw")) == b"pw"
    assert _mode(local / "secrets" / "fernet_key") == 0o600 and _mode(local / "airflow") == 0o700


def test_each_local_folder_gets_its_own_secrets(tmp_path, monkeypatch):
    values = []
    for name in ("a", "b"):
        monkeypatch.setattr(demo, "SECRETS", tmp_path / name)
        values.append((demo.local_secret("consent_secret"), demo.local_secret("warehouse_password")))
    assert values[0][0] != values[1][0] and values[0][1] != values[1][1]


@pytest.mark.services
@pytest.mark.timeout(120)
def test_postgres_requires_scram_passwords_even_after_trust(services_dir):
    data = services_dir / f"pg-scram-{uuid.uuid4().hex[:6]}"
    port = free_port()
    trusting = PostgresServer(data, port, attached=True).start()  # a cluster made before: trust
    trusting.stop()
    server = PostgresServer(data, port, attached=True, password="sup3r-Secret").start()
    try:
        for url in (f"postgresql://postgres@127.0.0.1:{port}/postgres",
                    f"postgresql://postgres:wrong@127.0.0.1:{port}/postgres"):
            with pytest.raises(psycopg.OperationalError, match="password"):
                psycopg.connect(url, connect_timeout=5)
        server.ensure_role("collecte_probe", "app-Secret-1")
        with psycopg.connect(server.url("postgres", "collecte_probe", "app-Secret-1")) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("collecte_probe",)
        with psycopg.connect(server.superuser_url) as conn:
            stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname IN ('postgres', 'collecte_probe')"
                                  " ORDER BY rolname").fetchall()
        assert all(p.startswith("SCRAM-SHA-256$") for (p,) in stored)
    finally:
        server.stop()


@pytest.mark.services
@pytest.mark.timeout(120)
def test_postgres_cluster_made_with_a_password(services_dir):
    """A fresh .local/ (make demo's first start): initdb itself sets the superuser's SCRAM password
    (its password file must be readable by the postgres user when run as root)."""
    data = services_dir / f"pg-fresh-{uuid.uuid4().hex[:6]}"
    port = free_port()
    server = PostgresServer(data, port, attached=True, password="fresh-Secret-2").start()
    try:
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(f"postgresql://postgres:wrong@127.0.0.1:{port}/postgres", connect_timeout=5)
        with psycopg.connect(server.superuser_url) as conn:
            assert conn.execute("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid"
                                " WHERE rolname = 'postgres'").fetchone() == (True,)
    finally:
        server.stop()


@pytest.mark.services
@pytest.mark.timeout(120)
def test_the_raw_zone_outlives_make_stop(s3, tmp_path):
    """moto keeps objects in memory: `make stop` saves the bucket under .local/s3 and the next start
    puts back the same bytes, content type and metadata (the warehouse and the subject index point at them)."""
    s3, bucket = s3
    key = "raw/source=nordis/kind=invoice_pdf/account=N-1/received=2026-11-30/ab.pdf"
    s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.7 bytes", ContentType="application/pdf",
                  Metadata={"sha256": "ab", "account": "N-1"})
    s3.put_object(Bucket=bucket, Key="consent/mandate=m1/signed.pdf", Body=b"signed")
    assert demo.save_bucket(s3, bucket, tmp_path / "s3") == 2
    assert _mode(tmp_path / "s3") == 0o700 and _mode(tmp_path / "s3" / "index.json") == 0o600
    for item in s3.list_objects_v2(Bucket=bucket)["Contents"]:  # a fresh moto: empty bucket
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    assert demo.restore_bucket(s3, bucket, tmp_path / "s3") == 2
    obj = s3.get_object(Bucket=bucket, Key=key)
    assert obj["Body"].read() == b"%PDF-1.7 bytes" and obj["ContentType"] == "application/pdf"
    assert obj["Metadata"] == {"sha256": "ab", "account": "N-1"}
    assert demo.restore_bucket(s3, bucket, tmp_path / "s3") == 0  # never over a bucket that has objects
