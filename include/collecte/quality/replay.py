"""Replay a quarantined batch after a fix: check it again with the current suites and load what passes.

Two kinds of fix, two sources of rows:
- the rows were fixed (or a rule was corrected): the quarantined objects themselves are re-checked
  (a person may have edited them in place);
- the parser was fixed: a `reparse(raw_key)` callable rebuilds the records from the immutable raw
  object, returning `{dataset: DataFrame}` or, for invoices, `{"invoice": [invoice dicts]}`; the
  DAG takes it from the registry of `collecte.quality.reparsers` only.
Open records are released, passing rows upserted, and rows still failing quarantined again, in one
transaction per dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from collecte.quality.datasets import INVOICE_DATASETS
from collecte.quality.datasets import dataset as dataset_spec

Reparser = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class ReplayReport:
    """What a replay did for one dataset of one raw object."""

    raw_key: str
    dataset: str
    origin: str  # quarantine | raw
    rows: int
    loaded: int
    still_failing: int
    quarantine_key: str | None

    def summary(self) -> str:
        """One line for the task log."""
        text = (f"{self.dataset} from {self.raw_key} ({self.origin}): {self.rows} rows checked, {self.loaded} loaded, "
                f"{self.still_failing} still failing")
        return text + (f" -> {self.quarantine_key}" if self.quarantine_key else "")


def _quarantined_rows(zone: Any, dataset: str, keys: list[str]) -> Any:
    import pandas as pd

    from collecte.quality.quarantine import from_parquet
    from collecte.quality.validation import FAILED_COLUMN

    parts = []
    for key in keys:
        if not key.endswith(".parquet"):
            raise ValueError(f"{key} is a whole quarantined batch: replay it with a reparser (the fixed parser)")
        parts.append(from_parquet(zone.get(key), dataset_spec(dataset).json_columns).drop(
            columns=[FAILED_COLUMN], errors="ignore"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(dataset_spec(dataset).columns))


def _quarantined_invoices(zone: Any, keys: list[str]) -> list[dict[str, Any]]:
    import orjson

    docs = []
    for key in keys:
        if not key.endswith(".json"):
            raise ValueError(f"{key} is a whole quarantined batch: replay it with a reparser (the fixed parser)")
        doc = orjson.loads(zone.get(key))
        doc.pop("quarantine", None)
        docs.append(doc)
    return docs


def _replay_rows(zone: Any, conn: Any, raw_key: str, dataset: str, frame: Any, origin: str,
                 run_id: str | None) -> ReplayReport:
    from collecte.quality.loading import upsert_frame
    from collecte.quality.quarantine import quarantine_failed_rows, release
    from collecte.quality.results import store_validation
    from collecte.quality.validation import validate

    outcome = validate(dataset, frame)
    with conn.transaction():
        release(conn, raw_key=raw_key, dataset=dataset)
        if len(outcome.passed):
            upsert_frame(conn, dataset, outcome.passed)
        receipt = quarantine_failed_rows(zone, conn, outcome, raw_key=raw_key)
    store_validation(zone, conn, outcome, raw_key=raw_key, run_id=run_id,
                     quarantine_key=receipt.quarantine_key if receipt else None)
    return ReplayReport(raw_key, dataset, origin, outcome.row_count, len(outcome.passed), len(outcome.failed),
                        receipt.quarantine_key if receipt else None)


def _replay_invoices(zone: Any, conn: Any, raw_key: str, docs: list[dict[str, Any]], origin: str,
                     run_id: str | None) -> ReplayReport:
    from collecte.quality.invoice_frames import check_invoices, invoice_frames
    from collecte.quality.loading import upsert_frame
    from collecte.quality.quarantine import quarantine_invoice, release
    from collecte.quality.results import store_validation

    check = check_invoices(docs, raw_keys=[raw_key] * len(docs))
    passing = [d for d in docs if (d.get("supplier"), d.get("invoice_number")) not in check.rejected]
    last_key = None
    with conn.transaction():
        release(conn, raw_key=raw_key, dataset="invoice")
        frames = invoice_frames(passing, raw_keys=[raw_key] * len(passing))
        for name in INVOICE_DATASETS:
            if len(frames[name]):
                upsert_frame(conn, name, frames[name])
        for doc in docs:
            rules = check.rejected.get((doc.get("supplier"), doc.get("invoice_number")))
            if rules:
                last_key = quarantine_invoice(zone, conn, doc, raw_key=raw_key, failed_rules=rules,
                                              validation_id=check.outcomes["invoice"].validation_id).quarantine_key
    for outcome in check.outcomes.values():
        store_validation(zone, conn, outcome, raw_key=raw_key, run_id=run_id, refresh_index=False)
    return ReplayReport(raw_key, "invoice", origin, len(docs), len(passing), len(docs) - len(passing), last_key)


def replay(zone: Any, conn: Any, raw_key: str, *, dataset: str | None = None, reparse: Reparser | None = None,
           run_id: str | None = None) -> list[ReplayReport]:
    """Replay every open quarantine of `raw_key` (or only `dataset`'s); raise if there is none."""
    from collecte.quality.quarantine import open_records
    from collecte.quality.results import refresh_validation_index

    records = open_records(conn, raw_key=raw_key, dataset=dataset)
    if not records:
        raise LookupError(f"nothing quarantined (and not yet released) for {raw_key}"
                          + (f" in dataset {dataset}" if dataset else ""))
    keys: dict[str, list[str]] = {}
    for record in records:
        bucket = keys.setdefault(record["dataset"], [])
        if record["quarantine_key"] and record["quarantine_key"] not in bucket:
            bucket.append(record["quarantine_key"])
    fresh = reparse(raw_key) if reparse else None
    reports = []
    for name, quarantine_keys in keys.items():
        origin = "raw" if fresh is not None else "quarantine"
        if name == "invoice":
            docs = list(fresh.get("invoice", [])) if fresh is not None else _quarantined_invoices(zone, quarantine_keys)
            reports.append(_replay_invoices(zone, conn, raw_key, docs, origin, run_id))
        else:
            frame = fresh[name] if fresh is not None else _quarantined_rows(zone, name, quarantine_keys)
            reports.append(_replay_rows(zone, conn, raw_key, name, frame, origin, run_id))
    refresh_validation_index(zone, conn)
    return reports
