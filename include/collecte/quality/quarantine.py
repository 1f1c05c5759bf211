"""Quarantine: what failed its checks, kept aside with the expectations it failed, until replayed.

This is the ONE quarantine of every dataset and road (supplier files, operator answers, invoices):
one key layout, the one `reprocess_quarantine` reads. Objects go under
`quarantine/<raw key without raw/>/dataset=<dataset>/...`:
- failed rows of a tabular batch: `<validation_id>.parquet` (the rows, plus `failed_expectations`)
  and `<validation_id>.reason.json`;
- records the parser rejected: `rejects.jsonl` (one line per record: ref, reason, content) and
  `rejects.reason.json`; they are replayed from the raw object with a fixed parser;
- a rejected invoice: `<invoice_number>.json` (the whole canonical invoice, with `quarantine` reasons);
- a whole raw object that could not be parsed or checked: `whole.<ext>` (the raw content itself) and
  `whole.reason.json`.
Each quarantined record also gets a `quarantine_record` row (status `quarantined`, then `released`
once a replay loads it). Past `ROW_RECORD_LIMIT` failed rows, one record `*` stands for the batch.
A person may fix a quarantined object in place (same key) before replaying it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from collecte.quality.datasets import dataset as dataset_spec

ROW_RECORD_LIMIT = 1000
QUARANTINE_PREFIX = "quarantine/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


@dataclass(frozen=True)
class QuarantineReceipt:
    """What was set aside: where, how many records, and why."""

    dataset: str
    raw_key: str
    quarantine_key: str
    rows: int
    reason: str


def quarantine_base(raw_key: str, dataset: str) -> str:
    """Prefix of everything quarantined from one raw object for one dataset."""
    return f"{QUARANTINE_PREFIX}{raw_key.removeprefix('raw/')}/dataset={dataset}/"


def record_ref(row: Mapping[str, Any], key: Iterable[str]) -> str:
    """A row's natural key as text, e.g. `30001234567890|2026-03-29 01:00:00+00:00|CONS`."""
    return "|".join("" if row.get(c) is None else str(row.get(c)) for c in key)


def _reason(rules: Iterable[str], descriptions: Mapping[str, str]) -> str:
    return "; ".join(f"{r}: {descriptions.get(r, r)}" for r in rules)


def _records(conn: Any, records: list[tuple[str, str, str, str, str, list[str], str | None]]) -> None:
    import orjson

    from collecte.warehouse.upsert import copy_upsert

    columns = ["raw_key", "record_ref", "dataset", "reason", "quarantine_key", "expectations", "validation_id",
               "status", "released_at"]
    rows = [(raw, ref, ds, reason, key, orjson.dumps(rules).decode(), vid, "quarantined", None)
            for raw, ref, ds, reason, key, rules, vid in records]
    copy_upsert(conn, "quarantine_record", columns, rows, ["raw_key", "record_ref", "dataset"])


def to_parquet(frame: Any, json_columns: Iterable[str] = ()) -> bytes:
    """Parquet bytes of a frame; dict/list columns of the data model are stored as JSON text."""
    import io

    import orjson

    out = frame.copy()
    for column in json_columns:
        if column in out:
            out[column] = out[column].map(lambda v: None if v is None else orjson.dumps(v).decode())
    buffer = io.BytesIO()
    out.to_parquet(buffer, index=False)
    return buffer.getvalue()


def from_parquet(content: bytes, json_columns: Iterable[str] = ()) -> Any:
    """The frame written by `to_parquet`."""
    import io

    import orjson
    import pandas as pd

    frame = pd.read_parquet(io.BytesIO(content))
    for column in json_columns:
        if column in frame:
            frame[column] = frame[column].map(lambda v: None if v is None else orjson.loads(v))
    return frame


def quarantine_failed_rows(zone: Any, conn: Any, outcome: Any, *, raw_key: str | None = None,
                           fallback_key: str | None = None) -> QuarantineReceipt | None:
    """Set aside the failed rows of a validation outcome (None when nothing failed).

    With `raw_key`, every failed row is filed under that raw object; without it, rows are filed under
    their own `raw_key` column (a staged batch gathers many raw objects), else under `fallback_key`.
    Returns the receipt of the last group written (every group gets its records).
    """
    if outcome.success:
        return None
    failed = outcome.failed
    if raw_key is None and "raw_key" in failed.columns:
        raw = failed["raw_key"].astype(object)  # may be categorical (dictionary-encoded Parquet)
        keys = raw.where(raw.notna(), fallback_key or "raw/unknown").astype(str)
        receipts = [_quarantine_group(zone, conn, outcome, group, str(key))
                    for key, group in failed.groupby(keys, sort=True)]
        last = receipts[-1]
        return QuarantineReceipt(outcome.dataset, last.raw_key if len(receipts) == 1 else "*", last.quarantine_key,
                                 sum(r.rows for r in receipts), "; ".join(dict.fromkeys(r.reason for r in receipts)))
    return _quarantine_group(zone, conn, outcome, failed, raw_key or fallback_key or "raw/unknown")


def _quarantine_group(zone: Any, conn: Any, outcome: Any, failed: Any, raw_key: str) -> QuarantineReceipt:
    import orjson

    from collecte.quality.validation import FAILED_COLUMN

    spec = dataset_spec(outcome.dataset)
    key = quarantine_base(raw_key, outcome.dataset) + f"{outcome.validation_id}.parquet"
    descriptions = {f["rule"]: f["description"] for f in outcome.failures}
    zone.put(key, to_parquet(failed, spec.json_columns), content_type="application/vnd.apache.parquet",
             metadata={"raw-key": raw_key, "dataset": outcome.dataset, "validation-id": outcome.validation_id})
    counts: dict[str, int] = {}
    for rules in failed[FAILED_COLUMN]:
        for rule in rules:
            counts[rule] = counts.get(rule, 0) + 1
    reason = _reason(counts, descriptions)
    zone.put(key.removesuffix(".parquet") + ".reason.json", orjson.dumps({
        "raw_key": raw_key, "dataset": outcome.dataset, "validation_id": outcome.validation_id,
        "failed_rows": len(failed), "batch_failed": outcome.batch_failed, "expectations": outcome.failures,
    }, option=orjson.OPT_INDENT_2), content_type="application/json")
    if outcome.batch_failed or len(failed) > ROW_RECORD_LIMIT:
        records = [(raw_key, "*", outcome.dataset, f"{len(failed)} rows - {reason}", key, sorted(counts),
                    outcome.validation_id)]
    else:
        records = [(raw_key, record_ref(row, spec.key), outcome.dataset,
                    _reason(row[FAILED_COLUMN], descriptions), key, list(row[FAILED_COLUMN]), outcome.validation_id)
                   for row in failed.to_dict("records")]
    _records(conn, records)
    return QuarantineReceipt(outcome.dataset, raw_key, key, len(failed), reason)


def quarantine_invoice(zone: Any, conn: Any, invoice: Mapping[str, Any], *, raw_key: str, failed_rules: list[str],
                       validation_id: str | None = None) -> QuarantineReceipt:
    """Set aside one whole invoice (its canonical JSON, with the rules it failed)."""
    import orjson

    number = str(invoice.get("invoice_number") or "unknown")
    key = quarantine_base(raw_key, "invoice") + f"{_UNSAFE.sub('_', number)}.json"
    reason = "; ".join(failed_rules)
    document = {**invoice, "quarantine": {"raw_key": raw_key, "failed_expectations": failed_rules,
                                          "validation_id": validation_id}}
    zone.put(key, orjson.dumps(document, option=orjson.OPT_INDENT_2), content_type="application/json",
             metadata={"raw-key": raw_key, "dataset": "invoice"})
    ref = f"{invoice.get('supplier')}|{number}"
    _records(conn, [(raw_key, ref, "invoice", reason, key, failed_rules, validation_id)])
    return QuarantineReceipt("invoice", raw_key, key, 1, reason)


def _reason_file(zone: Any, key: str, raw_key: str, dataset: str, reason: str, **extra: Any) -> None:
    import orjson

    stem = key.rsplit(".", 1)[0] if "." in key.rsplit("/", 1)[-1] else key
    zone.put(stem + ".reason.json", orjson.dumps({"raw_key": raw_key, "dataset": dataset, "reason": reason, **extra},
                                                 option=orjson.OPT_INDENT_2), content_type="application/json")


def quarantine_batch(zone: Any, conn: Any, *, dataset: str, raw_key: str, reason: str) -> QuarantineReceipt:
    """Set aside a whole raw object that could not be parsed or checked (copied as is, with the reason)."""
    name = raw_key.rsplit("/", 1)[-1]
    ext = name.split(".", 1)[1] if "." in name else "bin"
    key = quarantine_base(raw_key, dataset) + f"whole.{ext}"
    zone.put(key, zone.get(raw_key), metadata={"reason": reason[:1500], "raw-key": raw_key, "dataset": dataset})
    _reason_file(zone, key, raw_key, dataset, reason)
    _records(conn, [(raw_key, "*", dataset, reason, key, ["batch"], None)])
    return QuarantineReceipt(dataset, raw_key, key, 0, reason)


def quarantine_rejects(zone: Any, conn: Any, *, raw_key: str, dataset: str,
                       rejects: Iterable[tuple[str, str, Any]]) -> QuarantineReceipt | None:
    """Set aside the records a parser rejected: (record ref, reason, content) of one raw object.

    One `rejects.jsonl` per raw object and dataset (rewritten whole on a rerun: same key, same
    records), one `quarantine_record` per record. None when there is nothing to set aside.
    """
    import orjson

    rejects = list({str(ref): (str(ref), why, content) for ref, why, content in rejects}.values())  # one per ref
    if not rejects:
        return None
    key = quarantine_base(raw_key, dataset) + "rejects.jsonl"
    body = b"\n".join(orjson.dumps({"record": ref, "reason": reason, "content": content}, default=str)
                      for ref, reason, content in rejects)
    reason = f"{len(rejects)} {dataset} record(s) rejected by the parser: {rejects[0][1]}"
    zone.put(key, body, content_type="application/x-ndjson",
             metadata={"raw-key": raw_key, "dataset": dataset, "records": str(len(rejects))})
    _reason_file(zone, key, raw_key, dataset, reason, records=len(rejects))
    _records(conn, [(raw_key, str(ref), dataset, str(why), key, ["parse"], None) for ref, why, _ in rejects])
    return QuarantineReceipt(dataset, raw_key, key, len(rejects), reason)


def open_records(conn: Any, *, raw_key: str | None = None, dataset: str | None = None) -> list[dict[str, Any]]:
    """Quarantine records not released yet, optionally for one raw object and dataset."""
    from psycopg.rows import dict_row

    query = "SELECT * FROM quarantine_record WHERE status = 'quarantined'"
    params: list[Any] = []
    if raw_key:
        query += " AND raw_key = %s"
        params.append(raw_key)
    if dataset:
        query += " AND dataset = %s"
        params.append(dataset)
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query + " ORDER BY created_at, record_ref", params).fetchall()


def release(conn: Any, *, raw_key: str, dataset: str, quarantine_key: str | None = None) -> int:
    """Mark the open records of a raw object and dataset released (after a replay loaded them)."""
    query = ("UPDATE quarantine_record SET status = 'released', released_at = now()"
             " WHERE raw_key = %s AND dataset = %s AND status = 'quarantined'")
    params: list[Any] = [raw_key, dataset]
    if quarantine_key:
        query += " AND quarantine_key = %s"
        params.append(quarantine_key)
    return conn.execute(query, params).rowcount
