"""Keep what a validation found: GX result JSON and HTML page in `staged/validation/`, a summary row
in `validation_result`, and the index page of recent validations.

Keys: `staged/validation/dataset=<dataset>/day=<YYYY-MM-DD>/<validation_id>.json|.html`,
index at `staged/validation/index.html`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VALIDATION_PREFIX = "staged/validation/"
INDEX_KEY = VALIDATION_PREFIX + "index.html"
INDEX_SIZE = 300


@dataclass(frozen=True)
class StoredValidation:
    """Where a validation's result and report were written."""

    validation_id: str
    result_key: str
    report_key: str


def validation_keys(outcome: Any) -> tuple[str, str]:
    """(result JSON key, HTML report key) of an outcome."""
    base = (f"{VALIDATION_PREFIX}dataset={outcome.dataset}/day={outcome.validated_at.date().isoformat()}/"
            f"{outcome.validation_id}")
    return base + ".json", base + ".html"


def store_validation(zone: Any, conn: Any, outcome: Any, *, source: str | None = None, raw_key: str | None = None,
                     staged_key: str | None = None, run_id: str | None = None,
                     quarantine_key: str | None = None, refresh_index: bool = True) -> StoredValidation:
    """Write the result JSON and HTML page, insert the summary row, refresh the index page."""
    import orjson
    from psycopg.types.json import Jsonb

    from collecte.quality.report import render_validation

    result_key, report_key = validation_keys(outcome)
    zone.put(result_key, orjson.dumps(outcome.result, option=orjson.OPT_INDENT_2), content_type="application/json")
    context = {"dataset": outcome.dataset, "validation id": outcome.validation_id,
               "validated at": outcome.validated_at.isoformat(timespec="seconds"), "source": source,
               "raw object": raw_key, "staged object": staged_key, "Airflow run": run_id, "quarantine": quarantine_key}
    zone.put(report_key, render_validation(outcome.result, context=context), content_type="text/html; charset=utf-8")
    evaluated = len(outcome.result.get("results", []))
    with conn.transaction():
        conn.execute(
            "INSERT INTO validation_result (validation_id, dataset, suite_name, source, raw_key, staged_key, run_id,"
            " validated_at, success, row_count, passed_rows, failed_rows, warned_rows, expectations_evaluated,"
            " expectations_failed, failures, result_key, report_key, quarantine_key)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (validation_id) DO NOTHING",
            (outcome.validation_id, outcome.dataset, outcome.suite_name, source, raw_key, staged_key, run_id,
             outcome.validated_at, outcome.success, outcome.row_count, len(outcome.passed), len(outcome.failed),
             len(outcome.warned), evaluated, len(outcome.failures), Jsonb(outcome.failures), result_key, report_key,
             quarantine_key))
    if refresh_index:
        refresh_validation_index(zone, conn)
    return StoredValidation(outcome.validation_id, result_key, report_key)


def refresh_validation_index(zone: Any, conn: Any) -> str:
    """Rewrite `staged/validation/index.html` from the latest validations in the warehouse."""
    from psycopg.rows import dict_row

    from collecte.quality.report import render_index

    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT validation_id, dataset, source, raw_key, validated_at, row_count, failed_rows, warned_rows,"
            " report_key FROM validation_result ORDER BY validated_at DESC LIMIT %s", (INDEX_SIZE,)).fetchall()
    return zone.put(INDEX_KEY, render_index(rows), content_type="text/html; charset=utf-8")
