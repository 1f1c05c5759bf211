"""Validate one batch of a dataset with its suite; split the rows into passed, failed, warned.

Two passes keep big batches cheap: the whole suite runs once in SUMMARY format (what is stored),
then only the expectations that failed on more rows than the summary lists are evaluated again in
COMPLETE format, to get their full unexpected index lists. A row is *failed* when a critical
expectation rejects it (it goes to quarantine), *warned* when only warning-level ones do (it is
loaded and flagged). A failing table-level expectation (missing columns) fails the whole batch.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from collecte.quality.datasets import dataset as dataset_spec
from collecte.quality.gx_runtime import batch_definition, context, gx_module
from collecte.quality.suites import suite as suite_of
from collecte.quality.suites.common import Rule

FAILED_COLUMN = "failed_expectations"
WARNED_COLUMN = "warnings"


@dataclass
class ValidationOutcome:
    """What one validation found. DataFrames keep the batch's own columns (derived ones dropped)."""

    dataset: str
    suite_name: str
    validation_id: str
    validated_at: datetime
    row_count: int
    passed: Any
    failed: Any  # + column `failed_expectations`: list of rule names
    warned: Any  # + column `warnings`: list of rule names (these rows are also in `passed`)
    failures: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    batch_failed: bool = False

    @property
    def success(self) -> bool:
        """No row was rejected by a critical expectation."""
        return len(self.failed) == 0

    def summary(self) -> str:
        """One line for logs and task notes."""
        text = (f"{self.dataset}: {self.row_count} rows, {len(self.passed)} passed, {len(self.failed)} failed, "
                f"{len(self.warned)} warned")
        if self.failures:
            text += " - " + "; ".join(f"{f['rule']} ({f['severity']}): {f['unexpected_count']}"
                                      for f in self.failures)
        return text


def _columns_rule(columns: tuple[str, ...]) -> Rule:
    return Rule("columns_present", "ExpectTableColumnsToMatchSet",
                {"column_set": list(columns), "exact_match": False},
                f"the batch has the columns of docs/DATA_MODEL.md: {', '.join(columns)}")


@functools.cache
def _gx_suite(dataset: str, complete_columns: bool) -> tuple[Any, dict[str, Rule]]:
    """The registered GX suite of a dataset (only the column check when columns are missing)."""
    gx = gx_module()
    suite = suite_of(dataset)
    rules = [_columns_rule(dataset_spec(dataset).columns)]
    if complete_columns:
        rules += suite.rules()
    name = suite.name if complete_columns else f"{suite.name}.columns"
    gx_suite = gx.ExpectationSuite(name=name, expectations=[r.build(gx) for r in rules])
    return context().suites.add(gx_suite), {r.name: r for r in rules}


def _rows_of(result: Any, batch: Any, expectation: Any) -> list[int] | None:
    """Row positions an expectation rejected, or None for a table-level expectation."""
    info = result.result or {}
    if "partial_unexpected_index_list" not in info:
        return None
    count = int(info.get("unexpected_count") or 0)
    partial = info.get("partial_unexpected_index_list") or []
    if len(partial) >= count:
        return [int(i) for i in partial]
    complete = batch.validate(expectation, result_format={"result_format": "COMPLETE",
                                                          "return_unexpected_index_query": False})
    return [int(i) for i in complete.result.get("unexpected_index_list") or []]


def _vectorizable(frame: Any, rules: Mapping[str, Rule]) -> Any:
    """GX 1.24 checks a range vectorized only on int64/float64 columns (int32 goes value by value,
    about 10x slower): range-checked numeric columns of other widths are widened, in the checked copy."""
    import pandas as pd

    columns = {r.kwargs["column"] for r in rules.values() if r.expectation == "ExpectColumnValuesToBeBetween"}
    narrow = [c for c in columns if c in frame.columns and pd.api.types.is_numeric_dtype(frame[c])
              and not pd.api.types.is_bool_dtype(frame[c]) and str(frame[c].dtype) not in ("int64", "float64")]
    if not narrow:
        return frame
    frame = frame.copy(deep=False)
    for column in narrow:
        frame[column] = frame[column].astype("float64")
    return frame


def validate(dataset: str, df: Any, *, related: Mapping[str, Any] | None = None) -> ValidationOutcome:
    """Run the dataset's suite on `df`; `related` gives other frames multi-table rules need."""
    import orjson

    spec = dataset_spec(dataset)
    frame = df.reset_index(drop=True)
    complete_columns = all(c in frame.columns for c in spec.columns)
    prepared = suite_of(dataset).prepare(frame, related or {}) if complete_columns else frame
    gx_suite, rules = _gx_suite(dataset, complete_columns)
    prepared = _vectorizable(prepared, rules)
    batch = batch_definition(dataset).get_batch(batch_parameters={"dataframe": prepared})
    run = batch.validate(gx_suite, result_format="SUMMARY")

    critical: dict[int, list[str]] = {}
    warning: dict[int, list[str]] = {}
    failures: list[dict[str, Any]] = []
    batch_failed = False
    for item in run.results:
        if item.success:
            continue
        rule = rules[(item.expectation_config.meta or {}).get("rule", "")]
        rows = _rows_of(item, batch, rule.build(gx_module()))
        failures.append({"rule": rule.name, "severity": rule.severity, "description": rule.description,
                         "unexpected_count": len(frame) if rows is None else len(rows)})
        if rows is None:
            rows = list(range(len(frame)))
            batch_failed = batch_failed or rule.severity == "critical"
        target = critical if rule.severity == "critical" else warning
        for row in rows:
            target.setdefault(row, []).append(rule.name)

    failed_idx = sorted(critical)
    warned_idx = sorted(set(warning) - set(critical))
    failed = frame.loc[failed_idx].copy()
    failed[FAILED_COLUMN] = [critical[i] for i in failed_idx]
    warned = frame.loc[warned_idx].copy()
    warned[WARNED_COLUMN] = [warning[i] for i in warned_idx]
    passed = frame.drop(index=failed_idx)
    validation_id = uuid.uuid4().hex
    result = orjson.loads(orjson.dumps(run.to_json_dict(), default=str, option=orjson.OPT_SERIALIZE_NUMPY))
    result["meta"] = {**(result.get("meta") or {}), "collecte": {
        "dataset": dataset, "validation_id": validation_id, "row_count": len(frame),
        "failed_rows": len(failed_idx), "warned_rows": len(warned_idx), "failures": failures}}
    return ValidationOutcome(
        dataset=dataset, suite_name=gx_suite.name, validation_id=validation_id,
        validated_at=datetime.now(UTC), row_count=len(frame), passed=passed, failed=failed, warned=warned,
        failures=failures, result=result, batch_failed=batch_failed)
