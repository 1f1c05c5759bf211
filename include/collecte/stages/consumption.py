"""Supplier consumption files: parse, quarantine bad rows, check, upsert into the warehouse."""

from __future__ import annotations

import csv
import logging
from dataclasses import asdict, dataclass
from typing import Any

from collecte.config.models import SupplierConfig
from collecte.landing.raw_zone import RawZone
from collecte.metering.supplier_csv import COLUMNS, NotACsvFile, parse_consumption_csv
from collecte.stages.quarantine import quarantine_records
from collecte.warehouse.upsert import copy_upsert

log = logging.getLogger(__name__)
DATASET = "supplier_consumption"
KEY = ["supplier", "meter_id", "period_start", "period_end", "time_class"]


@dataclass
class ConsumptionSummary:
    """Counts for one file, returned to XCom (references and counts only)."""

    raw_key: str
    rows: int = 0
    loaded: int = 0
    changed: int = 0
    quarantined: int = 0
    file_rejected: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """XCom-friendly form, with the keys the quarantine notice reads (dataset, failed)."""
        return {**asdict(self), "dataset": DATASET, "failed": self.quarantined + bool(self.file_rejected)}


def gx_check(zone: RawZone, conn: Any, *, source: str, raw_key: str, run_id: str | None = None) -> Any:
    """The `check` of load_consumption_file: the dataset's Great Expectations suite, results kept.

    Rows failing an expectation are matched back to the parsed records by their natural key.
    """
    def check(records: list[tuple]) -> tuple[list[tuple], list[tuple[tuple, str]]]:
        import pandas as pd

        from collecte.quality.results import store_validation
        from collecte.quality.validation import FAILED_COLUMN, validate

        outcome = validate(DATASET, pd.DataFrame(records, columns=COLUMNS))
        store_validation(zone, conn, outcome, source=source, raw_key=raw_key, run_id=run_id)
        failed: dict[tuple, str] = {}
        for row in outcome.failed.to_dict("records"):
            ident = tuple(str(row[c])[:10] if "period" in c else str(row[c]) for c in KEY)
            failed[ident] = "failed expectations: " + ", ".join(row[FAILED_COLUMN])
        position = {c: COLUMNS.index(c) for c in KEY}

        def ident(record: tuple) -> tuple:
            return tuple(str(record[position[c]]) for c in KEY)

        return ([r for r in records if ident(r) not in failed],
                [(r, failed[ident(r)]) for r in records if ident(r) in failed])

    return check


def reject_file(zone: RawZone, conn: Any, raw_key: str, why: str,
                summary: ConsumptionSummary | None = None) -> ConsumptionSummary:
    """Quarantine a whole file with its reason (the one quarantine); the run goes on with the others."""
    from collecte.quality.quarantine import quarantine_batch

    summary = summary or ConsumptionSummary(raw_key)
    reason = f"{raw_key}: {why}"[:1500]
    conn.rollback()  # whatever the failed step left half done in this file's transaction
    quarantine_batch(zone, conn, dataset=DATASET, raw_key=raw_key, reason=reason)
    conn.commit()
    log.error("quarantined whole file %s", reason)
    summary.file_rejected = reason
    return summary


def load_consumption_file(zone: RawZone, conn: Any, supplier: SupplierConfig, raw_key: str,
                          check: Any = None) -> ConsumptionSummary:
    """Parse one raw CSV of `supplier`, quarantine what fails, upsert the rest.

    `check(records) -> (passed, failed)` is the dataset's quality check (Great Expectations in
    the DAG); `failed` is a list of (record, reason).
    """
    summary = ConsumptionSummary(raw_key)
    if supplier.consumption_csv is None:
        raise ValueError(f"supplier {supplier.code} has no consumption_csv layout in its config")
    try:
        parsed = parse_consumption_csv(zone.get(raw_key), supplier.consumption_csv, supplier=supplier.code,
                                       raw_key=raw_key)
    except NotACsvFile as exc:
        return reject_file(zone, conn, raw_key, str(exc), summary)
    except (csv.Error, ValueError, UnicodeError) as exc:  # e.g. an unbalanced quote over the field limit
        return reject_file(zone, conn, raw_key, f"unreadable CSV: {type(exc).__name__}: {exc}", summary)
    rejects = [(f"line {line}", f"{raw_key} line {line}: {reason}", text) for line, reason, text in parsed.rejects]
    records = parsed.records
    if check is not None and records:
        records, failed = check(records)
        rejects += [(f"record {r[1]}/{r[2]}/{r[4]}", f"{raw_key}: {reason}", repr(r)) for r, reason in failed]
    for _, reason, _ in rejects:
        log.warning("quarantined %s", reason)
    summary.rows = len(parsed.records) + len(parsed.rejects)
    summary.quarantined = quarantine_records(zone, conn, raw_key=raw_key, dataset=DATASET, rejects=rejects)
    if records:
        count = copy_upsert(conn, DATASET, COLUMNS, records, KEY)
        summary.loaded, summary.changed = len(records), count.changed
    conn.commit()
    return summary
