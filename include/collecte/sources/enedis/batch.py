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

from collecte.sources.enedis.collect import MeterOutcome, collect_meter
from collecte.sources.enedis.dataconnect import DataConnectClient
from collecte.sources.enedis.errors import ApiNotSubscribed
from collecte.sources.enedis.status import known_walls, record_outcome

log = logging.getLogger(__name__)


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
            group = meters[index:index + batch_size]
            label = f"{group[0]['id']}" + (f"+{len(group) - 1}" if len(group) > 1 else "")
            if len(spans) > 1:
                label += f" {span_first:%Y-%m-%d}..{span_last:%Y-%m-%d}"
            batches.append({"label": label, "first": span_first.isoformat(), "last": span_last.isoformat(),
                            "meters": group})
    return batches


def collect_batch(client: DataConnectClient, zone: Any, conn: Any, batch: dict[str, Any], *, today: date,
                  threads: int = 4) -> dict[str, Any]:
    """Collect every meter of a batch (threads share the client's rate limiter); references and outcomes.

    Statuses, history walls and gaps are recorded in the warehouse. Raises BatchFailed after every
    meter was tried when some failed transiently.
    """
    first, last = date.fromisoformat(batch["first"]), date.fromisoformat(batch["last"])
    walls = known_walls(conn, [m["id"] for m in batch["meters"]])

    def one(meter: dict[str, Any]) -> MeterOutcome:
        return collect_meter(client, zone, meter["id"], meter["kinds"], first, last,
                             directions=meter.get("directions") or ["CONS"], today=today,
                             walls=walls.get(meter["id"]))

    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(batch["meters"])))) as pool:
        outcomes = list(pool.map(one, batch["meters"]))
    refs: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    for outcome in outcomes:
        record_outcome(conn, outcome)
        refs.extend(outcome.refs)
        summary[outcome.meter_id] = {k: {"status": v.status, "landed": v.landed, "created": v.created,
                                         "gaps": len(v.gaps), "not_before": v.not_before,
                                         **({"message": v.message} if v.status != "OK" else {})}
                                     for k, v in outcome.kinds.items()}
        for kind, result in outcome.kinds.items():
            if result.status != "OK":
                log.warning("enedis %s %s: %s %s", outcome.meter_id, kind, result.status, result.message or "")
    failed = [o.meter_id for o in outcomes if o.transient_failure]
    result = {"label": batch["label"], "refs": refs, "meters": summary,
              "raw_created": sum(int(r["created"]) for r in refs), "calls": client.calls}
    unsubscribed = {f"{o.meter_id} {kind}": k.message for o in outcomes for kind, k in o.kinds.items()
                    if k.status == "API_NOT_SUBSCRIBED"}
    if unsubscribed and not failed:
        # a configuration problem of our application on Enedis's portal: retrying cannot help
        raise ApiNotSubscribed(f"Enedis: API not subscribed for this application (subscribe it on Enedis's "
                               f"portal), not retried: {unsubscribed}", status=403, code="900908")
    if failed:
        raise BatchFailed(f"Enedis: transient failures persisted for {failed}; the task will be retried "
                          "(objects already landed are not landed twice)")
    return result


def load_batch(zone: Any, conn: Any, collected: dict[str, Any], *, check: bool = False,
               run_id: str | None = None) -> dict[str, Any]:
    """Stage, check (Great Expectations suites of collecte.quality, when `check`) and upsert what a batch landed.

    Rows failing a suite are quarantined by the check stage and not loaded; their count is returned
    in `failed` (dataset -> rows) so that the task can fail after loading the rest.
    """
    from collecte.metering.ingest import ingest_raw

    failed: dict[str, int] = {}

    def gx_check(staged: dict[str, str]) -> dict[str, str | None]:
        from collecte.quality.staged_check import check_staged

        passed: dict[str, str | None] = {}
        for table, key in staged.items():
            result = check_staged(zone, conn, table, [key], source="enedis", run_id=run_id)[0]
            passed[table] = result["key"]
            if result["failed"]:
                failed[table] = result["failed"]
        return passed

    counts = ingest_raw(zone, conn, collected["refs"], check=gx_check if check else None)
    changed = sum(c["inserted"] + c["updated"] for c in counts.values())
    return {"label": collected["label"], "datasets": counts, "rows_changed": changed, "failed": failed}
