"""The ONE writer of `meter_status` and `meter_gap`: where each meter stands, per operator and data kind.

Every road writes here (Enedis Data Connect and SGE, GRDF ADICT, the consent gate's refusals, the
end-of-run completeness check), so a status means the same thing whoever wrote it:

- OK: collected and loaded; HISTORY_WALL: collected back to the day nothing exists before
  (`not_before`, which never moves back);
- NO_DATA: the operator answered "no data" (gaps in `meter_gap`);
- NO_CONSENT, MOVED_OUT, WRONG_DIRECTION, OUT_OF_SCOPE, CURVE_NOT_ACTIVATED: not collectable as
  configured; retrying cannot help (the run is not failed for it: nothing exists to collect);
- API_NOT_SUBSCRIBED: our application lacks an operator API subscription (a configuration problem:
  the data exists, the run fails and says so);
- ERROR: a fault persisted; the message names what is still owed and how to replay it.

Each write stamps `run_id` (the Airflow run, when known), so the end of a run can tell this run's
outcomes from older ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

OK, NO_DATA, HISTORY_WALL, ERROR = "OK", "NO_DATA", "HISTORY_WALL", "ERROR"
NO_CONSENT, MOVED_OUT, WRONG_DIRECTION, OUT_OF_SCOPE = "NO_CONSENT", "MOVED_OUT", "WRONG_DIRECTION", "OUT_OF_SCOPE"
CURVE_NOT_ACTIVATED, API_NOT_SUBSCRIBED = "CURVE_NOT_ACTIVATED", "API_NOT_SUBSCRIBED"
SUCCESS = frozenset({OK, HISTORY_WALL})
# Outcomes that settle a meter/kind for a run: nothing is owed, a retry would give the same answer.
SETTLED = frozenset({OK, HISTORY_WALL, NO_DATA, NO_CONSENT, MOVED_OUT, WRONG_DIRECTION, OUT_OF_SCOPE,
                     CURVE_NOT_ACTIVATED})


def record_status(conn: Any, operator: str, meter_id: str, kind: str, status: str, message: str | None = None, *,
                  not_before: date | None = None, run_id: str | None = None) -> None:
    """Upsert one meter/kind status; a wall once found is kept (the earliest day never moves back)."""
    conn.execute(
        "INSERT INTO meter_status (operator, meter_id, data_kind, status, message, not_before, last_attempt,"
        " last_success, run_id) VALUES (%s, %s, %s, %s, %s, %s, now(), CASE WHEN %s THEN now() END, %s)"
        " ON CONFLICT (operator, meter_id, data_kind) DO UPDATE SET status = EXCLUDED.status,"
        " message = EXCLUDED.message, last_attempt = now(),"
        " not_before = GREATEST(meter_status.not_before, EXCLUDED.not_before),"
        " last_success = COALESCE(EXCLUDED.last_success, meter_status.last_success),"
        " run_id = COALESCE(EXCLUDED.run_id, meter_status.run_id)",
        (operator, meter_id, kind, status, message[:2000] if message else message, not_before,
         status in SUCCESS, run_id))


def record_refused(conn: Any, operator: str, refused: dict[str, dict[str, str]], *,
                   run_id: str | None = None) -> None:
    """The consent gate's refusals (meter -> kind -> reason): NO_CONSENT with the gate's reason."""
    with conn.transaction():
        for meter_id, reasons in refused.items():
            for kind, reason in reasons.items():
                record_status(conn, operator, meter_id, kind, NO_CONSENT, f"consent gate: {reason}", run_id=run_id)


def record_gaps(conn: Any, operator: str, meter_id: str, kind: str, gaps: Iterable[tuple[str, str]],
                reason: str) -> int:
    """Record spans answered "no data" (idempotent); returns how many were new."""
    new = 0
    for first, last in gaps:
        cur = conn.execute(
            "INSERT INTO meter_gap (operator, meter_id, data_kind, first_day, last_day, reason)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (operator, meter_id, kind, first, last, reason))
        new += cur.rowcount
    return new


def known_walls(conn: Any, operator: str, meter_ids: Iterable[str]) -> dict[str, dict[str, date]]:
    """meter -> kind -> first day that may be asked (history walls found earlier)."""
    rows = conn.execute(
        "SELECT meter_id, data_kind, not_before FROM meter_status"
        " WHERE operator = %s AND meter_id = ANY(%s) AND not_before IS NOT NULL",
        (operator, list(meter_ids))).fetchall()
    walls: dict[str, dict[str, date]] = {}
    for meter, kind, day in rows:
        walls.setdefault(meter, {})[kind] = day
    return walls


def statuses(conn: Any, operator: str, meter_ids: Iterable[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(meter, kind) -> {status, message, run_id, not_before, last_attempt} for the given meters."""
    rows = conn.execute(
        "SELECT meter_id, data_kind, status, message, run_id, not_before, last_attempt FROM meter_status"
        " WHERE operator = %s AND meter_id = ANY(%s)", (operator, list(meter_ids))).fetchall()
    return {(m, k): {"status": s, "message": msg, "run_id": r, "not_before": nb, "last_attempt": at}
            for m, k, s, msg, r, nb, at in rows}
