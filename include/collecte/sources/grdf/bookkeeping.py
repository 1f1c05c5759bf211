"""What the GRDF collection records besides data: PCE status (through the one writer), access rights."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from collecte.metering import status as meter_status
from collecte.metering.status import ERROR, NO_CONSENT, OK, OUT_OF_SCOPE
from collecte.sources.grdf.access_rights import AccessRight
from collecte.warehouse.upsert import UpsertCount, copy_upsert

OPERATOR = "grdf"
__all__ = ["ERROR", "NO_CONSENT", "OK", "OUT_OF_SCOPE", "record_status", "upsert_access_rights"]


def record_status(conn: Any, pce: str, data_kind: str, status: str, message: str | None = None, *,
                  run_id: str | None = None) -> None:
    """Where `pce` stands for `data_kind` (meter_status, operator 'grdf'), through the one writer."""
    meter_status.record_status(conn, OPERATOR, pce, data_kind, status, message, run_id=run_id)


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
