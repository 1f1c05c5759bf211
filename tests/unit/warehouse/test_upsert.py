"""copy_upsert against real PostgreSQL: inserts, updates, and reruns that change nothing."""

from collecte.warehouse.db import connect, migrate
from collecte.warehouse.upsert import copy_upsert

COLUMNS = ["supplier", "meter_id", "period_start", "period_end", "time_class", "kwh", "raw_key"]
KEY = ["supplier", "meter_id", "period_start", "period_end", "time_class"]


def _rows(kwh_hp: int) -> list[tuple]:
    return [
        ("nordis", "12345678901234", "2026-08-01", "2026-08-31", "HP", kwh_hp, "raw/a"),
        ("nordis", "12345678901234", "2026-08-01", "2026-08-31", "HC", 50, "raw/a"),
    ]


def test_upsert_inserts_then_rerun_changes_nothing(pg_url):
    with connect(pg_url) as conn:
        first = copy_upsert(conn, "supplier_consumption", COLUMNS, _rows(100), KEY)
        again = copy_upsert(conn, "supplier_consumption", COLUMNS, _rows(100), KEY)
        changed = copy_upsert(conn, "supplier_consumption", COLUMNS, _rows(120), KEY)
        stored = conn.execute("SELECT time_class, kwh FROM supplier_consumption ORDER BY 1").fetchall()
    assert (first.inserted, first.updated) == (2, 0)
    assert again.changed == 0
    assert (changed.inserted, changed.updated) == (0, 1)
    assert [(c, int(k)) for c, k in stored] == [("HC", 50), ("HP", 120)]


def test_migrate_is_idempotent(pg_url):
    with connect(pg_url) as conn:
        assert migrate(conn) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert "0001_platform" in versions
