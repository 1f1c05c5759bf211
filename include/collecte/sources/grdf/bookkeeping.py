"""What the GRDF collection records besides data: PCE status, access rights, quarantined records."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from collecte.sources.grdf.access_rights import AccessRight
from collecte.warehouse.upsert import UpsertCount, copy_upsert

OPERATOR = "grdf"

OK, NO_CONSENT, OUT_OF_SCOPE, ERROR = "OK", "NO_CONSENT", "OUT_OF_SCOPE", "ERROR"


def record_status(conn: Any, pce: str, data_kind: str, status: str, message: str | None = None) -> None:
    """Where `pce` stands for `data_kind` (meter_status, operator 'grdf'); OK also stamps last_success."""
    conn.execute(
        "INSERT INTO meter_status (operator, meter_id, data_kind, status, message, last_attempt, last_success)"
        " VALUES (%s, %s, %s, %s, %s, now(), CASE WHEN %s THEN now() END)"
        " ON CONFLICT (operator, meter_id, data_kind) DO UPDATE SET status = EXCLUDED.status,"
        "  message = EXCLUDED.message, last_attempt = now(),"
        "  last_success = COALESCE(EXCLUDED.last_success, meter_status.last_success)",
        (OPERATOR, pce, data_kind, status, message, status == OK),
    )


def upsert_access_rights(conn: Any, rights: Iterable[AccessRight]) -> UpsertCount:
    """Mirror ADICT's view of our access rights into gas_access_right (no holder data)."""
    columns = ["id", "pce", "state", "proof_status", "role", "right_start", "right_end", "data_start",
               "data_end", "scope", "declared_on", "state_changed_on"]
    rows = [(r.id, r.pce, r.state, r.proof_status, r.role, r.right_start, r.right_end, r.data_start,
             r.data_end, json.dumps(r.scope, sort_keys=True), r.declared_on, r.state_changed_on)
            for r in rights]
    if not rows:
        return UpsertCount(0, 0)
    return copy_upsert(conn, "gas_access_right", columns, rows, ("id",))


def record_quarantine(conn: Any, raw_key: str, quarantine_key: str,
                      rejected: Sequence[tuple[int, str]], dataset: str = "gas_consumption") -> UpsertCount:
    """One quarantine_record per rejected record (line number, reason)."""
    rows = [(raw_key, str(line), dataset, reason, quarantine_key) for line, reason in rejected]
    return copy_upsert(conn, "quarantine_record", ["raw_key", "record_ref", "dataset", "reason", "quarantine_key"],
                       rows, ("raw_key", "record_ref", "dataset"))
