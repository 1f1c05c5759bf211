"""The collection ledger of the operator roads (table `collection_span`): what each window asked and got.

A *window* is the span of Paris days one batch is asked for (a daily run's day, a quarter of a
history import). For each meter and data kind of a window the ledger keeps:

- `landed` rows: one per raw answer (resource, its days, its raw key), with `loaded_at` once the
  stage checked and loaded it;
- a `done` row once the kind was collected for the whole window (data, "no data" answers and
  history walls all accounted for).

From it: what a task retry or a re-run of the same window still has to ask (`still_to_collect`),
the raw answers landed but not loaded yet (`pending_refs`), and what a run still owes at its end
(`collecte.metering.completeness.missing_work`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

DONE = "*"


@dataclass(frozen=True)
class Landed:
    """One raw answer landed for a meter and kind of a window."""

    meter_id: str
    kind: str
    resource: str
    first_day: date
    last_day: date
    raw_key: str


@dataclass
class KindCoverage:
    """What the ledger holds for one meter, kind and window."""

    done: bool = False
    days: dict[str, set[date]] = field(default_factory=dict)  # resource -> days with a landed answer

    def covered(self, resources: Sequence[str], window: tuple[date, date]) -> set[date]:
        """Days of the window every expected resource answered (all of them once the kind is done)."""
        if self.done:
            return set(days_of(*window))
        if not resources:
            return set()
        sets = [self.days.get(r, set()) for r in resources]
        return set.intersection(*sets) & set(days_of(*window))


def days_of(first: date, last: date) -> list[date]:
    """Every day of [first, last]."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days [(first, last)]."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def record_landed(conn: Any, operator: str, window: tuple[date, date], landed: Iterable[Landed], *,
                  run_id: str | None = None) -> None:
    """Record raw answers landed for a window (idempotent: a retry landing the same answer changes nothing)."""
    rows = [(operator, x.meter_id, x.kind, x.resource, window[0], window[1], x.first_day, x.last_day, x.raw_key,
             run_id) for x in landed]
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO collection_span (operator, meter_id, data_kind, resource, window_first, window_last,"
            " first_day, last_day, outcome, raw_key, run_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'landed', %s, %s)"
            " ON CONFLICT (operator, meter_id, data_kind, resource, window_first, window_last, first_day, last_day)"
            " DO UPDATE SET loaded_at = CASE WHEN collection_span.raw_key = EXCLUDED.raw_key"
            "   THEN collection_span.loaded_at END, raw_key = EXCLUDED.raw_key, run_id = EXCLUDED.run_id,"
            " recorded_at = now()", rows)


def record_done(conn: Any, operator: str, window: tuple[date, date], meter_id: str, kinds: Iterable[str], *,
                run_id: str | None = None) -> None:
    """Mark kinds of a meter collected for the whole window."""
    rows = [(operator, meter_id, kind, DONE, window[0], window[1], window[0], window[1], run_id) for kind in kinds]
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO collection_span (operator, meter_id, data_kind, resource, window_first, window_last,"
            " first_day, last_day, outcome, run_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'done', %s)"
            " ON CONFLICT (operator, meter_id, data_kind, resource, window_first, window_last, first_day, last_day)"
            " DO UPDATE SET run_id = EXCLUDED.run_id, recorded_at = now()", rows)


def forget_window(conn: Any, operator: str, window: tuple[date, date], meter_ids: Sequence[str]) -> int:
    """Drop a window's rows for some meters (a re-run asked to fetch everything again); how many."""
    return conn.execute(
        "DELETE FROM collection_span WHERE operator = %s AND window_first = %s AND window_last = %s"
        " AND meter_id = ANY(%s)", (operator, window[0], window[1], list(meter_ids))).rowcount


def mark_loaded(conn: Any, operator: str, raw_keys: Sequence[str]) -> int:
    """Raw answers whose rows were checked and loaded (or quarantined): no longer pending."""
    if not raw_keys:
        return 0
    return conn.execute(
        "UPDATE collection_span SET loaded_at = now() WHERE operator = %s AND outcome = 'landed'"
        " AND loaded_at IS NULL AND raw_key = ANY(%s)", (operator, list(raw_keys))).rowcount


def pending_refs(conn: Any, operator: str, meter_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Raw answers of these meters landed but not loaded yet (any window), as stage references."""
    rows = conn.execute(
        "SELECT DISTINCT raw_key, resource, meter_id FROM collection_span WHERE operator = %s AND outcome = 'landed'"
        " AND loaded_at IS NULL AND meter_id = ANY(%s) ORDER BY raw_key", (operator, list(meter_ids))).fetchall()
    return [{"key": key, "kind": resource, "account": meter} for key, resource, meter in rows]


def coverage(conn: Any, operator: str, window: tuple[date, date],
             meter_ids: Sequence[str]) -> dict[tuple[str, str], KindCoverage]:
    """(meter, kind) -> what the ledger holds for this window."""
    rows = conn.execute(
        "SELECT meter_id, data_kind, resource, outcome, first_day, last_day FROM collection_span"
        " WHERE operator = %s AND window_first = %s AND window_last = %s AND meter_id = ANY(%s)",
        (operator, window[0], window[1], list(meter_ids))).fetchall()
    out: dict[tuple[str, str], KindCoverage] = defaultdict(KindCoverage)
    for meter, kind, resource, outcome, first, last in rows:
        entry = out[(meter, kind)]
        if outcome == "done":
            entry.done = True
        else:
            entry.days.setdefault(resource, set()).update(days_of(max(first, window[0]), min(last, window[1])))
    return dict(out)


def still_to_collect(conn: Any, operator: str, window: tuple[date, date], meters: Sequence[dict[str, Any]]
                     ) -> dict[str, dict[str, list[tuple[date, date]]]]:
    """meter -> kind -> runs of days of the window still to ask (kinds already done are left out).

    `meters` are plan items `{"id", "kinds", "resources": {kind: [resource, ...]}}`.
    """
    held = coverage(conn, operator, window, [m["id"] for m in meters])
    todo: dict[str, dict[str, list[tuple[date, date]]]] = {}
    every = set(days_of(*window))
    for meter in meters:
        for kind in meter["kinds"]:
            entry = held.get((meter["id"], kind), KindCoverage())
            missing = every - entry.covered(meter.get("resources", {}).get(kind, []), window)
            if missing:
                todo.setdefault(meter["id"], {})[kind] = day_runs(missing)
    return todo
