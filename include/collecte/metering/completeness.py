"""Is a run's data in? What an operator run still owes, named exactly, with how to replay it.

    report = missing_work(conn, "enedis", batches, run_id=run_id)
    if not report.complete:
        raise ...(report.message("collect_enedis", run_id))

`batches` is the run's plan (what `select_*` returned): windows of Paris days and, per meter, the
kinds asked and the operator resources each kind needs. Against the collection ledger
(`collecte.metering.ledger`), the meter statuses and the quarantine, a run owes:

- every day of a window not collected for a meter and kind (a batch that failed after its retries,
  a fault that persisted, a task that never ran), unless this run found the meter not collectable
  (NO_CONSENT, MOVED_OUT, WRONG_DIRECTION, OUT_OF_SCOPE, CURVE_NOT_ACTIVATED: flagged, not owed), or
  another run did since this one began (`since`: two runs at once, e.g. the scheduled day and a
  manual span, each record the meter's status; the later writer must not make the other run red);
- every raw answer landed but not loaded;
- every record quarantined from this run's answers (until `reprocess_quarantine` releases it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import orjson

from collecte.metering import status as meter_status
from collecte.metering.ledger import coverage, day_runs, days_of

FLAGGED = meter_status.SETTLED - {meter_status.OK, meter_status.HISTORY_WALL, meter_status.NO_DATA}
# data kinds of import_meter_history per operator (its Params form)
OPERATOR_KINDS = {"enedis": ("daily", "load_curve", "max_power", "index", "contract"),
                  "grdf": ("consumption", "daily", "contract", "technical")}


@dataclass
class Owed:
    """Days of one meter and kind a run did not collect, and why."""

    meter_id: str
    kind: str
    days: list[tuple[str, str]]   # runs of Paris days, inclusive, ISO
    reason: str

    def text(self) -> str:
        """`PRM kind: 2026-11-01..2026-11-07 (reason)`."""
        spans = ", ".join(a if a == b else f"{a}..{b}" for a, b in self.days)
        return f"{self.meter_id} {self.kind}: {spans} ({self.reason})"


@dataclass
class Completeness:
    """What a run still owes; `complete` when nothing."""

    operator: str
    owed: list[Owed] = field(default_factory=list)
    pending: list[dict[str, str]] = field(default_factory=list)      # landed, not loaded: meter, kind, raw_key
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # raw_key, dataset, records
    flagged: dict[str, str] = field(default_factory=dict)            # "meter kind" -> status: message

    @property
    def complete(self) -> bool:
        """Whether every datum of the run is in."""
        return not (self.owed or self.pending or self.quarantined)

    def replay_params(self) -> list[dict[str, Any]]:
        """`import_meter_history` Params that collect exactly the missing part (one per group of meters)."""
        per_meter: dict[str, dict[str, Any]] = {}
        for item in self.owed:
            entry = per_meter.setdefault(item.meter_id, {"kinds": set(), "days": []})
            entry["kinds"].add(item.kind)
            entry["days"] += [d for a, b in item.days for d in (a, b)]
        for item in self.pending:
            entry = per_meter.setdefault(item["meter_id"], {"kinds": set(), "days": []})
            entry["kinds"].add(item["kind"])
            entry["days"] += [item["first_day"], item["last_day"]]
        groups: dict[tuple, list[str]] = defaultdict(list)
        order = OPERATOR_KINDS.get(self.operator, ())
        for meter, entry in sorted(per_meter.items()):
            kinds = tuple(sorted(entry["kinds"], key=lambda k: order.index(k) if k in order else len(order)))
            groups[(kinds, min(entry["days"]), max(entry["days"]))].append(meter)
        return [{"operator": self.operator, "meters": meters, "from": first, "to": last, "kinds": list(kinds)}
                for (kinds, first, last), meters in groups.items()]

    def message(self, dag_id: str, run_id: str | None) -> str:
        """The run's verdict: what is missing and how to replay it (the red task's error)."""
        lines = [f"{dag_id} run {run_id}: the data is NOT all in."]
        if self.owed:
            meters = sorted({o.meter_id for o in self.owed})
            lines.append(f"Missing for {len(meters)} meter(s) ({', '.join(meters)}):")
            lines += [f"  - {o.text()}" for o in self.owed]
        if self.pending:
            lines.append(f"{len(self.pending)} raw answer(s) landed but not loaded:")
            lines += [f"  - {p['meter_id']} {p['kind']} {p['first_day']}..{p['last_day']}: {p['raw_key']}"
                      for p in self.pending[:20]]
        if self.quarantined:
            lines.append(f"{sum(q['records'] for q in self.quarantined)} record(s) quarantined from this run's "
                         "answers (not loaded):")
            lines += [f"  - {q['dataset']} {q['raw_key']}: {q['records']} record(s)" for q in self.quarantined[:20]]
        if self.owed or self.pending:
            lines.append("Replay: clear the failed tasks of this run (a retry or re-run asks only what is still "
                         "missing), or trigger import_meter_history with these Params:")
            lines += [f"  {orjson.dumps(p).decode()}" for p in self.replay_params()]
        if self.quarantined:
            lines.append("Quarantined records: fix the cause, then trigger reprocess_quarantine with each raw key.")
        if self.flagged:
            lines.append(f"Not collectable as configured (not owed): {len(self.flagged)} meter/kind(s), "
                         "see meter_status.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """XCom form."""
        return asdict(self) | {"complete": self.complete, "replay": self.replay_params()}


def _window(batch: dict[str, Any]) -> tuple[date, date]:
    return date.fromisoformat(batch["first"]), date.fromisoformat(batch["last"])


def missing_work(conn: Any, operator: str, batches: Sequence[dict[str, Any]], *,
                 run_id: str | None, since: datetime | None = None) -> Completeness:
    """What the run planned as `batches` still owes (see the module docstring); `since`: when the run began."""
    report = Completeness(operator)
    meters_all = sorted({m["id"] for b in batches for m in b["meters"]})
    states = meter_status.statuses(conn, operator, meters_all) if meters_all else {}
    windows: dict[tuple[date, date], list[dict[str, Any]]] = defaultdict(list)
    for batch in batches:
        windows[_window(batch)].extend(batch["meters"])
    for window, meters in sorted(windows.items()):
        held = coverage(conn, operator, window, [m["id"] for m in meters])
        every = set(days_of(*window))
        for meter in meters:
            for kind in meter["kinds"]:
                entry = held.get((meter["id"], kind))
                state = states.get((meter["id"], kind)) or {}
                this_run = run_id is not None and state.get("run_id") == run_id
                if entry is not None and entry.done:
                    continue
                fresh = this_run or (since is not None and state.get("last_attempt") is not None
                                     and state["last_attempt"] >= since)
                if fresh and state.get("status") in FLAGGED:
                    report.flagged[f"{meter['id']} {kind}"] = f"{state['status']}: {state.get('message') or ''}".strip()
                    continue
                covered = entry.covered(meter.get("resources", {}).get(kind, []), window) if entry else set()
                missing = every - covered
                if not missing:
                    continue
                if this_run and state.get("status") == meter_status.ERROR:
                    reason = f"ERROR: {state.get('message') or 'fault persisted after retries'}"
                else:
                    reason = "not collected: its batch failed or did not run"
                report.owed.append(Owed(meter["id"], kind, [(a.isoformat(), b.isoformat()) for a, b in
                                                            day_runs(missing)], reason[:300]))
        if meters:
            rows = conn.execute(
                "SELECT meter_id, data_kind, first_day, last_day, raw_key FROM collection_span WHERE operator = %s"
                " AND window_first = %s AND window_last = %s AND meter_id = ANY(%s) AND outcome = 'landed'"
                " AND loaded_at IS NULL ORDER BY 1, 2, 3", (operator, window[0], window[1],
                                                            [m["id"] for m in meters])).fetchall()
            report.pending += [{"meter_id": m, "kind": k, "first_day": a.isoformat(), "last_day": b.isoformat(),
                                "raw_key": key} for m, k, a, b, key in rows]
            quarantined = conn.execute(
                "SELECT q.raw_key, q.dataset, count(*) FROM quarantine_record q WHERE q.status = 'quarantined'"
                " AND q.raw_key IN (SELECT raw_key FROM collection_span WHERE operator = %s AND window_first = %s"
                " AND window_last = %s AND meter_id = ANY(%s) AND outcome = 'landed') GROUP BY 1, 2 ORDER BY 1, 2",
                (operator, window[0], window[1], [m["id"] for m in meters])).fetchall()
            report.quarantined += [{"raw_key": k, "dataset": d, "records": n} for k, d, n in quarantined]
    return report


def record_verdict(conn: Any, report: Completeness, *, run_id: str | None, dag_id: str) -> None:
    """Make the per-meter statuses say what the run says: ERROR naming the missing days and the replay."""
    params = {m: p for p in report.replay_params() for m in p["meters"]}
    by_meter: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in report.owed:
        by_meter[(item.meter_id, item.kind)].append(item.text())
    for item in report.pending:
        by_meter[(item["meter_id"], item["kind"])].append(
            f"{item['first_day']}..{item['last_day']} landed but not loaded ({item['raw_key']})")
    for (meter, kind), texts in sorted(by_meter.items()):
        replay = params.get(meter)
        message = (f"{dag_id} run {run_id}: missing " + "; ".join(texts)
                   + (f". Replay: import_meter_history {orjson.dumps(replay).decode()}" if replay else ""))
        meter_status.record_status(conn, report.operator, meter, kind, meter_status.ERROR, message, run_id=run_id)
