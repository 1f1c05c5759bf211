"""Batches of meters and spans: the unit of work of one mapped Airflow task (plain Python).

`collect_enedis` (one day per run, so also `airflow backfill create`) and `import_meter_history`
(a span chunked to at most `span_days`) both build batches with `plan_batches` and run them with
`collect_batch` then `load_batch`: one code path, hence the same rows for the same days.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from collecte.metering.ledger import Landed, record_done, record_landed, still_to_collect
from collecte.metering.records import RESOURCE_KIND
from collecte.sources.enedis.collect import KIND_RESOURCES, MeterOutcome, collect_meter
from collecte.sources.enedis.dataconnect import CONTRACT_RESOURCES, DataConnectClient
from collecte.sources.enedis.errors import ApiNotSubscribed
from collecte.sources.enedis.status import OPERATOR, known_walls, record_outcome

log = logging.getLogger(__name__)
DONE_STATUSES = ("OK", "NO_DATA", "HISTORY_WALL")


class BatchFailed(RuntimeError):
    """Some meters of the batch failed transiently: the task fails so that Airflow retries it."""


def plan_batches(meters: list[dict[str, Any]], first: date, last: date, *, batch_size: int,
                 span_days: int | None = None) -> list[dict[str, Any]]:
    """Batches `{label, first, last, meters: [{id, kinds, directions}]}` over Paris days [first, last].

    With `span_days`, the span is cut into consecutive pieces of at most that many days, each a batch
    of its own (a long history import shows its progress piece by piece and retries piece by piece).
    """
    spans, start = [], first
    step = timedelta(days=span_days or (last - first).days + 1)
    while start <= last:
        end = min(start + step - timedelta(days=1), last)
        spans.append((start, end))
        start = end + timedelta(days=1)
    batches = []
    for span_first, span_last in spans:
        for index in range(0, len(meters), batch_size):
            group = [with_resources(m) for m in meters[index:index + batch_size]]
            label = f"{group[0]['id']}" + (f"+{len(group) - 1}" if len(group) > 1 else "")
            if len(spans) > 1:
                label += f" {span_first:%Y-%m-%d}..{span_last:%Y-%m-%d}"
            batches.append({"label": label, "first": span_first.isoformat(), "last": span_last.isoformat(),
                            "meters": group})
    return batches


def kind_resources(kind: str, directions: list[str] | tuple[str, ...]) -> list[str]:
    """The Data Connect resources one data kind needs for a meter's directions."""
    if kind == "contract":
        return list(CONTRACT_RESOURCES)
    return [KIND_RESOURCES[kind][d] for d in directions if d in KIND_RESOURCES.get(kind, {})]


def with_resources(meter: dict[str, Any]) -> dict[str, Any]:
    """A plan item `{id, kinds, directions}` with the resources each kind needs (for the ledger)."""
    directions = meter.get("directions") or ["CONS"]
    return {**meter, "directions": list(directions),
            "resources": {k: kind_resources(k, directions) for k in meter["kinds"]}}


def _merge(into: MeterOutcome, part: MeterOutcome) -> None:
    into.refs.extend(part.refs)
    for kind, new in part.kinds.items():
        old = into.kinds.get(kind)
        if old is None:
            into.kinds[kind] = new
            continue
        if new.status == "ERROR" or old.status in ("OK", "NO_DATA") and new.status != "OK":
            old.status, old.message = new.status, new.message
        old.calls += new.calls
        old.landed += new.landed
        old.created += new.created
        old.gaps.extend(new.gaps)
        walls = [w for w in (old.not_before, new.not_before) if w]
        old.not_before = max(walls) if walls else None


def _span_of(zone: Any, ref: dict[str, Any], window: tuple[date, date]) -> tuple[date, date]:
    """Paris days [first, last] one landed answer covers (contract answers: the whole window)."""
    if ref["kind"] in CONTRACT_RESOURCES:
        return window
    first, end = ref.get("first"), ref.get("end")
    if not first:
        meta = zone.metadata(ref["key"])
        first, end = meta.get("first"), meta.get("end")
    if not first or not end:
        return window
    return date.fromisoformat(first), date.fromisoformat(end) - timedelta(days=1)


def collect_batch(client: DataConnectClient, zone: Any, conn: Any, batch: dict[str, Any], *, today: date,
                  threads: int = 4, run_id: str | None = None) -> dict[str, Any]:
    """Collect what the batch's window still owes into the raw zone; references and outcomes.

    Resume, don't restart: the ledger (collecte.metering.ledger) says which meters, kinds and days
    of the window were already collected (by an earlier try of this task or an earlier run of the
    same window); only the rest is asked. Landed answers, statuses, walls and gaps are recorded as
    they come. Raises BatchFailed after every meter was tried when some failed transiently (the
    caller loads what landed first).
    """
    first, last = date.fromisoformat(batch["first"]), date.fromisoformat(batch["last"])
    window = (first, last)
    items = [with_resources(m) for m in batch["meters"]]
    todo = still_to_collect(conn, OPERATOR, window, items)
    walls = known_walls(conn, [m["id"] for m in items])

    def one(meter: dict[str, Any]) -> MeterOutcome:
        outcome = MeterOutcome(meter["id"])
        groups: dict[tuple, list[str]] = {}
        for kind, runs in todo.get(meter["id"], {}).items():
            key = ((first, last),) if kind == "contract" else tuple(runs)
            groups.setdefault(key, []).append(kind)
        for runs, kinds in groups.items():
            for run_first, run_last in sorted(runs, reverse=True):  # newest first, like the calls
                part = collect_meter(client, zone, meter["id"], kinds, run_first, run_last,
                                     directions=meter["directions"], today=today, walls=walls.get(meter["id"]))
                _merge(outcome, part)
        return outcome

    asked = [m for m in items if m["id"] in todo]
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(asked) or 1))) as pool:
        outcomes = list(pool.map(one, asked))
    refs: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    for outcome in outcomes:
        record_outcome(conn, outcome, run_id=run_id)
        landed = []
        for ref in outcome.refs:
            kind = RESOURCE_KIND.get(ref["kind"], "contract")
            span = _span_of(zone, ref, window)
            landed.append(Landed(outcome.meter_id, kind, ref["kind"], span[0], span[1], ref["key"]))
        record_landed(conn, OPERATOR, window, landed, run_id=run_id)
        record_done(conn, OPERATOR, window, outcome.meter_id,
                    [k for k, v in outcome.kinds.items() if v.status in DONE_STATUSES], run_id=run_id)
        refs.extend(outcome.refs)
        summary[outcome.meter_id] = {k: {"status": v.status, "landed": v.landed, "created": v.created,
                                         "gaps": len(v.gaps), "not_before": v.not_before,
                                         **({"message": v.message} if v.status != "OK" else {})}
                                     for k, v in outcome.kinds.items()}
        for kind, result in outcome.kinds.items():
            if result.status != "OK":
                log.warning("enedis %s %s: %s %s", outcome.meter_id, kind, result.status, result.message or "")
    failed = [o.meter_id for o in outcomes if o.transient_failure]
    unsubscribed = {f"{o.meter_id} {kind}": k.message for o in outcomes for kind, k in o.kinds.items()
                    if k.status == "API_NOT_SUBSCRIBED"}
    skipped = [m["id"] for m in items if m["id"] not in todo]
    if skipped:
        log.info("Enedis %s: %d meter(s) already collected for %s..%s, not asked again: %s", batch["label"],
                 len(skipped), first, last, ", ".join(skipped))
    return {"label": batch["label"], "first": batch["first"], "last": batch["last"], "refs": refs,
            "meters": summary, "raw_created": sum(int(r["created"]) for r in refs), "calls": client.calls,
            "failed": failed, "unsubscribed": unsubscribed, "resumed": skipped}


def raise_if_failed(collected: dict[str, Any]) -> None:
    """BatchFailed (retryable) when some meters failed transiently, else ApiNotSubscribed (not retryable)."""
    if collected.get("failed"):
        raise BatchFailed(f"Enedis {collected['label']}: transient failures persisted for {collected['failed']}; "
                          "what landed is loaded, a retry asks only what is still missing")
    if collected.get("unsubscribed"):
        # a configuration problem of our application on Enedis's portal: retrying cannot help
        raise ApiNotSubscribed(f"Enedis: API not subscribed for this application (subscribe it on Enedis's "
                               f"portal), not retried: {collected['unsubscribed']}", status=403, code="900908")


def load_batch(zone: Any, conn: Any, collected: dict[str, Any], *, run_id: str | None = None) -> dict[str, Any]:
    """Parse -> check -> load (collecte.stages.metering) what the batch landed, and what earlier tries left.

    Every answer of the batch's meters landed but not loaded yet is taken (a failed load of an earlier
    try is finished now). Rows failing a suite are quarantined, not loaded; `failed` counts them.
    """
    from collecte.metering.ledger import pending_refs
    from collecte.stages.metering import load_operator

    meters = sorted({*collected.get("meters", {}), *(r["account"] for r in collected.get("refs", []))})
    refs = pending_refs(conn, OPERATOR, meters) + list(collected.get("refs", []))
    result = load_operator(zone, conn, OPERATOR, refs, run_id=run_id)
    return {"label": collected["label"], "datasets": result.datasets, "rows_changed": result.rows_changed,
            "failed": result.quarantined, "raw_loaded": len(result.loaded_raw)}
