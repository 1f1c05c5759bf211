"""Upsert a checked DataFrame into its warehouse table by natural key (used by the replay).

Each dataset's owner writes its own loader for the regular path; this generic one, driven by
docs/DATA_MODEL.md and the table's actual columns, lets a replay load rows of any dataset.
"""

from __future__ import annotations

import math
from typing import Any

from collecte.quality.datasets import dataset as dataset_spec


def table_columns(conn: Any, table: str) -> list[str]:
    """Columns of a warehouse table (empty if the table does not exist)."""
    rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                        " AND table_name = %s ORDER BY ordinal_position", (table,)).fetchall()
    return [r[0] for r in rows]


def _cell(value: Any, as_json: bool) -> Any:
    import orjson

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if as_json:
        return value if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def primary_key(conn: Any, table: str) -> list[str]:
    """Primary-key columns of a warehouse table, in key order."""
    rows = conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        (table,)).fetchall()
    return [r[0] for r in rows]


def upsert_frame(conn: Any, dataset: str, frame: Any) -> Any:
    """Upsert `frame` into the dataset's table, on the table's primary key; returns the UpsertCount.

    Every frame column the table has is written (DATA_MODEL's, plus e.g. `position` where the owner's
    migration numbers rows); the conflict key is the table's own primary key, DATA_MODEL's key if none.
    """
    from collecte.warehouse.upsert import copy_upsert

    spec = dataset_spec(dataset)
    existing = table_columns(conn, spec.table)
    if not existing:
        raise LookupError(f"table {spec.table} does not exist in the warehouse (its migration has not run)")
    columns = [c for c in existing if c in frame.columns]
    key = primary_key(conn, spec.table) or list(spec.key)
    json_types = {r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = %s AND data_type IN ('json', 'jsonb')", (spec.table,)).fetchall()}
    json_cols = [c in json_types or c in spec.json_columns for c in columns]
    rows = ([_cell(v, j) for v, j in zip(values, json_cols, strict=True)]
            for values in frame[columns].itertuples(index=False, name=None))
    return copy_upsert(conn, spec.table, columns, rows, key)
