"""What the warehouse remembers per meter: status per data kind, history walls, gaps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from collecte.sources.enedis.collect import MeterOutcome

OPERATOR = "enedis"


def known_walls(conn: Any, meter_ids: Iterable[str], operator: str = OPERATOR) -> dict[str, dict[str, date]]:
    """meter -> kind -> first day that may be asked (history walls found earlier)."""
    rows = conn.execute(
        "SELECT meter_id, data_kind, not_before FROM meter_status"
        " WHERE operator = %s AND meter_id = ANY(%s) AND not_before IS NOT NULL",
        (operator, list(meter_ids))).fetchall()
    walls: dict[str, dict[str, date]] = {}
    for meter, kind, day in rows:
        walls.setdefault(meter, {})[kind] = day
    return walls


def record_status(conn: Any, meter_id: str, kind: str, status: str, message: str | None, *,
                  not_before: date | None = None, operator: str = OPERATOR) -> None:
    """Upsert one meter/kind status; a wall once found is kept (the earliest day never moves back)."""
    success = status in ("OK", "HISTORY_WALL")
    conn.execute(
        "INSERT INTO meter_status (operator, meter_id, data_kind, status, message, not_before, last_attempt,"
        " last_success) VALUES (%s, %s, %s, %s, %s, %s, now(), CASE WHEN %s THEN now() END)"
        " ON CONFLICT (operator, meter_id, data_kind) DO UPDATE SET status = EXCLUDED.status,"
        " message = EXCLUDED.message, last_attempt = now(),"
        " not_before = GREATEST(meter_status.not_before, EXCLUDED.not_before),"
        " last_success = COALESCE(EXCLUDED.last_success, meter_status.last_success)",
        (operator, meter_id, kind, status, message, not_before, success))


def record_gaps(conn: Any, meter_id: str, kind: str, gaps: Iterable[tuple[str, str]], reason: str,
                operator: str = OPERATOR) -> int:
    """Record spans answered "no data" (idempotent); returns how many were new."""
    new = 0
    for first, last in gaps:
        cur = conn.execute(
            "INSERT INTO meter_gap (operator, meter_id, data_kind, first_day, last_day, reason)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (operator, meter_id, kind, first, last, reason))
        new += cur.rowcount
    return new


def record_outcome(conn: Any, outcome: MeterOutcome) -> None:
    """Persist a meter's outcome (statuses, walls, gaps) in one transaction."""
    with conn.transaction():
        for kind, result in outcome.kinds.items():
            wall = date.fromisoformat(result.not_before) if result.not_before else None
            record_status(conn, outcome.meter_id, kind, result.status, result.message, not_before=wall)
            record_gaps(conn, outcome.meter_id, kind, result.gaps, "no_data_found")


def record_refused(conn: Any, refused: dict[str, str], kinds: Iterable[str]) -> None:
    """Meters the consent gate refused: NO_CONSENT with the gate's reason, for each kind."""
    with conn.transaction():
        for meter_id, reason in refused.items():
            for kind in kinds:
                record_status(conn, meter_id, kind, "NO_CONSENT", f"consent gate: {reason}")
