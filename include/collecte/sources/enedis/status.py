"""Enedis outcomes into the one meter_status writer (collecte.metering.status): statuses, walls, gaps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from collecte.metering import status as meter_status
from collecte.sources.enedis.collect import MeterOutcome

OPERATOR = "enedis"


def known_walls(conn: Any, meter_ids: Iterable[str], operator: str = OPERATOR) -> dict[str, dict[str, date]]:
    """meter -> kind -> first day that may be asked (history walls found earlier)."""
    return meter_status.known_walls(conn, operator, meter_ids)


def record_status(conn: Any, meter_id: str, kind: str, status: str, message: str | None, *,
                  not_before: date | None = None, operator: str = OPERATOR, run_id: str | None = None) -> None:
    """One Enedis meter/kind status, through the one writer."""
    meter_status.record_status(conn, operator, meter_id, kind, status, message, not_before=not_before,
                               run_id=run_id)


def record_gaps(conn: Any, meter_id: str, kind: str, gaps: Iterable[tuple[str, str]], reason: str,
                operator: str = OPERATOR) -> int:
    """Record spans answered "no data" (idempotent); returns how many were new."""
    return meter_status.record_gaps(conn, operator, meter_id, kind, gaps, reason)


def record_outcome(conn: Any, outcome: MeterOutcome, *, run_id: str | None = None) -> None:
    """Persist a meter's outcome (statuses, walls, gaps) in one transaction."""
    with conn.transaction():
        for kind, result in outcome.kinds.items():
            wall = date.fromisoformat(result.not_before) if result.not_before else None
            record_status(conn, outcome.meter_id, kind, result.status, result.message, not_before=wall,
                          run_id=run_id)
            record_gaps(conn, outcome.meter_id, kind, result.gaps, "no_data_found")


def record_refused(conn: Any, refused: dict[str, str], kinds: Iterable[str], *, run_id: str | None = None) -> None:
    """Meters the consent gate refused: NO_CONSENT with the gate's reason, for each kind."""
    kinds = list(kinds)
    meter_status.record_refused(conn, OPERATOR, {m: dict.fromkeys(kinds, r) for m, r in refused.items()},
                                run_id=run_id)
