"""The audit log (issue #11.14): append-only for the application role (grants and triggers),
hash-chained, and a command that verifies the chain and names the first broken row."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import psycopg
import pytest

from collecte.consent.audit import audit, verify_chain
from collecte.warehouse.db import connect
from tests.conftest import REPO

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _write(pg_url: str, n: int, actor: str = "t") -> None:
    with connect(pg_url) as conn:
        for i in range(n):
            audit(conn, actor=actor, action="mandate.read", object_type="mandate", object_id=f"M-{i}",
                  ip="127.0.0.1", note=f"é{i}")


def _verify_cli(pg_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'include'}:{REPO}"}
    return subprocess.run([sys.executable, "-m", "collecte.consent", "--warehouse", pg_url, "audit", "verify"],
                          capture_output=True, text=True, env=env, timeout=60)


def test_nobody_changes_or_removes_audit_rows(pg_url):
    _write(pg_url, 3)
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("SET ROLE collecte_app")  # the application role: may append and read
        audit(conn, actor="app", action="status.read", object_type="status", object_id="consent")
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        conn.execute("RESET ROLE")
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):  # even the owner
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 4
    with connect(pg_url) as conn:
        assert verify_chain(conn) == verify_chain(conn).__class__(4, True)


def test_the_chain_reveals_a_change_or_a_removal_made_around_the_triggers(pg_url):
    _write(pg_url, 5)
    assert _verify_cli(pg_url).returncode == 0
    with connect(pg_url) as conn:  # a superuser who disables the triggers leaves a trace all the same
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        third, fourth, fifth = [r[0] for r in conn.execute("SELECT id FROM audit_log ORDER BY id OFFSET 2")]
        conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE id = %s", (third,))
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
    result = _verify_cli(pg_url)
    assert result.returncode == 1 and f'"broken_id": {third}' in result.stdout and "changed" in result.stdout
    with connect(pg_url) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.execute("UPDATE audit_log SET actor = 't' WHERE id = %s", (third,))  # put it back...
        conn.execute("DELETE FROM audit_log WHERE id = %s", (fourth,))             # ...and remove the next
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
    with connect(pg_url) as conn:
        report = verify_chain(conn)
    assert not report.ok and report.broken_id == fifth and "link broken" in report.reason


def test_concurrent_writers_keep_one_chain(pg_url):
    threads = [threading.Thread(target=_write, args=(pg_url, 15, f"w{i}")) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with connect(pg_url) as conn:
        report = verify_chain(conn)
        ids = [r[0] for r in conn.execute("SELECT id FROM audit_log ORDER BY id")]
    assert report.ok and report.rows == 90 == len(ids)
