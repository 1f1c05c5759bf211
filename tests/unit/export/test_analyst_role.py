"""The read-only analyst role of migration 0300: reads every warehouse table, today's and future ones."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]


def test_analyst_reads_but_cannot_write(pg_url):
    login = f"analyst_{uuid.uuid4().hex[:8]}"
    with connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {login} LOGIN IN ROLE collecte_analyst")
        # a table created later by the migrating role (a future migration) is covered too
        admin.execute("CREATE TABLE future_dataset (id int)")
        admin.execute("INSERT INTO future_dataset VALUES (1)")
    url = pg_url.replace("postgresql://postgres@", f"postgresql://{login}@", 1)
    with connect(url, autocommit=True) as analyst:
        for table in ("load_curve", "invoice", "validation_result", "discrepancy", "export_delivery"):
            analyst.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert analyst.execute("SELECT id FROM future_dataset").fetchall() == [(1,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            analyst.execute("INSERT INTO discrepancy (supplier, invoice_number, meter_id, period_start, period_end,"
                            " period_days, status) VALUES ('x', 'y', 'z', '2026-01-01', '2026-01-31', 31, 'ok')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            analyst.execute("CREATE TABLE public.mine (id int)")
