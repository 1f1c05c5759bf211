"""The check stage: staged objects in, checked objects out, failures quarantined, results kept.

    checked = check_staged(zone, conn, "load_curve", ["staged/source=enedis/dataset=load_curve/ab12.parquet"])

Tabular datasets are staged as Parquet (one file may gather many raw objects; each row names its
`raw_key`); invoices as canonical JSON, one invoice per object (or an extraction result holding it
under `invoice`). What passes is what the loaders read next: the same staged key when every row
passed, else `<key>.checked.parquet` without the failed rows (an invoice that fails is dropped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from collecte.quality.datasets import INVOICE_DATASETS


def _ref(ref: str | Mapping[str, Any]) -> tuple[str, str | None]:
    if isinstance(ref, str):
        return ref, None
    return str(ref["key"]), ref.get("raw_key")


def checked_key(staged_key: str) -> str:
    """Where the passing rows of a partly failed staged Parquet go."""
    return staged_key.removesuffix(".parquet") + ".checked.parquet"


def _table_exists(conn: Any, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


def invoice_context(conn: Any, docs: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    """(earlier invoice sites of the same meters, operator contract data) from the warehouse."""
    import pandas as pd

    meters = sorted({str(s.get("meter_id")) for d in docs for s in d.get("sites") or []})
    history = contracts = None
    if meters and _table_exists(conn, "invoice_site") and _table_exists(conn, "invoice"):
        rows = conn.execute(
            "SELECT s.supplier, s.invoice_number, s.meter_id, s.period_start, s.period_end, i.document_type"
            " FROM invoice_site s JOIN invoice i USING (supplier, invoice_number) WHERE s.meter_id = ANY(%s)",
            (meters,)).fetchall()
        history = pd.DataFrame(rows, columns=["supplier", "invoice_number", "meter_id", "period_start",
                                              "period_end", "document_type"])
    if meters and _table_exists(conn, "meter_contract"):
        rows = conn.execute("SELECT meter_id, max(max_subscribed_kva)::float FROM meter_contract"
                            " WHERE meter_id = ANY(%s) AND max_subscribed_kva IS NOT NULL GROUP BY meter_id",
                            (meters,)).fetchall()
        contracts = pd.DataFrame(rows, columns=["meter_id", "max_subscribed_kva"])
    return history, contracts


def _check_table(zone: Any, conn: Any, dataset: str, key: str, raw_key: str | None, source: str | None,
                 run_id: str | None) -> dict[str, Any]:
    import io

    import pandas as pd

    from collecte.quality.quarantine import quarantine_failed_rows, to_parquet
    from collecte.quality.results import store_validation
    from collecte.quality.validation import validate

    frame = pd.read_parquet(io.BytesIO(zone.get(key)))
    outcome = validate(dataset, frame)
    receipt = quarantine_failed_rows(zone, conn, outcome, raw_key=raw_key, fallback_key=key)
    stored = store_validation(zone, conn, outcome, source=source, raw_key=raw_key, staged_key=key, run_id=run_id,
                              quarantine_key=receipt.quarantine_key if receipt else None, refresh_index=False)
    out_key = key
    if not outcome.success:
        out_key = zone.put(checked_key(key), to_parquet(outcome.passed), content_type="application/vnd.apache.parquet",
                           metadata={"checked-from": key, "validation-id": outcome.validation_id})
    return {"key": out_key if len(outcome.passed) else None, "staged_key": key, "dataset": dataset,
            "raw_key": raw_key, "rows": outcome.row_count, "passed": len(outcome.passed),
            "failed": len(outcome.failed), "warned": len(outcome.warned), "validation_id": outcome.validation_id,
            "report_key": stored.report_key, "quarantine_key": receipt.quarantine_key if receipt else None}


def screen_invoices(zone: Any, conn: Any, docs: Sequence[Mapping[str, Any]], raw_keys: Sequence[str], *,
                    staged_keys: Sequence[str | None] | None = None, source: str | None = None,
                    run_id: str | None = None) -> list[dict[str, Any]]:
    """Check invoice dicts in memory (no staged hop needed); quarantine the rejected ones whole.

    One summary per invoice, in order: `passed` 1 or 0, `failed_expectations`, `quarantine_key`.
    Results are kept like any validation (S3 + `validation_result`).
    """
    from collecte.quality.invoice_frames import check_invoices
    from collecte.quality.quarantine import quarantine_invoice
    from collecte.quality.results import store_validation

    if not docs:
        return []
    history, contracts = invoice_context(conn, docs)
    check = check_invoices(docs, history=history, contracts=contracts, raw_keys=list(raw_keys))
    for outcome in check.outcomes.values():
        store_validation(zone, conn, outcome, source=source, run_id=run_id, refresh_index=False)
    validation_id = check.outcomes["invoice"].validation_id
    results = []
    for i, (doc, raw_key) in enumerate(zip(docs, raw_keys, strict=True)):
        key = staged_keys[i] if staged_keys else None
        rules = check.rejected.get((doc.get("supplier"), doc.get("invoice_number")))
        receipt = quarantine_invoice(zone, conn, doc, raw_key=raw_key, failed_rules=rules,
                                     validation_id=validation_id) if rules else None
        results.append({"key": None if rules else key, "staged_key": key, "dataset": "invoice", "raw_key": raw_key,
                        "rows": 1, "passed": 0 if rules else 1, "failed": 1 if rules else 0, "warned": 0,
                        "validation_id": validation_id, "invoice_number": doc.get("invoice_number"),
                        "quarantine_key": receipt.quarantine_key if receipt else None,
                        "failed_expectations": rules or []})
    return results


def _check_invoices(zone: Any, conn: Any, refs: list[tuple[str, str | None]], source: str | None,
                    run_id: str | None) -> list[dict[str, Any]]:
    import orjson

    docs, raws = [], []
    for key, raw_key in refs:
        data = orjson.loads(zone.get(key))
        doc = data["invoice"] if "sites" not in data and isinstance(data.get("invoice"), dict) else data
        docs.append(doc)
        raws.append(raw_key or data.get("raw_key") or doc.get("raw_key") or key)
    return screen_invoices(zone, conn, docs, raws, staged_keys=[k for k, _ in refs], source=source, run_id=run_id)


def check_staged(zone: Any, conn: Any, dataset: str, refs: Sequence[str | Mapping[str, Any]], *,
                 source: str | None = None, run_id: str | None = None) -> list[dict[str, Any]]:
    """Check every staged object of `dataset`; one summary dict per object (XCom-sized, no data)."""
    from collecte.quality.results import refresh_validation_index

    pairs = [_ref(r) for r in refs if r]
    if dataset in INVOICE_DATASETS:
        results = _check_invoices(zone, conn, pairs, source, run_id)
    else:
        results = [_check_table(zone, conn, dataset, key, raw_key, source, run_id) for key, raw_key in pairs]
    if results:
        refresh_validation_index(zone, conn)
    return results


def quarantine_summary(results: Sequence[Mapping[str, Any]]) -> str | None:
    """A visible sentence when anything was quarantined, else None."""
    failed = [r for r in results if r.get("failed")]
    if not failed:
        return None
    rows = sum(int(r["failed"]) for r in failed)
    datasets = sorted({str(r["dataset"]) for r in failed})
    where = sorted({str(r["quarantine_key"]) for r in failed if r.get("quarantine_key")})
    return (f"QUARANTINED {rows} record(s) of {', '.join(datasets)} from {len(failed)} staged object(s); "
            f"see quarantine_record and {', '.join(where[:3])}{' ...' if len(where) > 3 else ''}; "
            "after a fix, trigger the reprocess_quarantine DAG with the raw key")
