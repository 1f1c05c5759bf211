"""Staged Parquet → warehouse, by bulk COPY upserts on each dataset's natural key (the one catalogue)."""

from __future__ import annotations

from typing import Any

from collecte.metering.staging import parquet_rows
from collecte.quality.datasets import dataset as dataset_spec
from collecte.warehouse.upsert import UpsertCount, copy_upsert

# Memory for the de-duplicating sort of a whole year of curves (the default 4 MB spills to disk).
BULK_WORK_MEM = "256MB"


def load_parquet(conn: Any, table: str, source: Any) -> UpsertCount:
    """Upsert one dataset's Parquet (a path or bytes) into its table; a rerun changes 0 rows."""
    dataset = dataset_spec(table)
    with conn.transaction():
        conn.execute(f"SET LOCAL work_mem = '{BULK_WORK_MEM}'")
        return copy_upsert(conn, table, dataset.column_names, parquet_rows(source, dataset), dataset.key)


def load_staged(conn: Any, raw_zone: Any, staged: dict[str, str]) -> dict[str, UpsertCount]:
    """Upsert every staged object of a batch (dataset -> staged key); one transaction per dataset."""
    counts = {}
    for table, key in sorted(staged.items()):
        counts[table] = load_parquet(conn, table, raw_zone.get(key))
    return counts
