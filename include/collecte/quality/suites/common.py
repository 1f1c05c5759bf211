"""Building blocks of the suites: a rule as data, identifier forms, Paris-day helpers.

A rule names one Great Expectations expectation by class and arguments, so suites are readable
code, versioned with the package, and importing them does not import GX.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PRM_REGEX = r"^\d{14}$"
PCE_REGEX = r"^(?:\d{14}|GI\d{6})$"
METER_REGEX = r"^(?:\d{14}|GI\d{6})$"
DIRECTIONS = ["CONS", "PROD"]
TIME_CLASSES = ["BASE", "HP", "HC", "HPH", "HCH", "HPB", "HCB", "P"]
PARIS = "Europe/Paris"
MONEY_TOLERANCE = 0.011  # one cent, plus float noise


@dataclass(frozen=True)
class Rule:
    """One expectation of a suite: `name` is what failed rows and reports show."""

    name: str
    expectation: str
    kwargs: Mapping[str, Any]
    description: str
    severity: str = "critical"  # critical: the row is quarantined; warning: kept and flagged
    columns: tuple[str, ...] = field(default=())  # input columns the rule needs (else skipped)

    def build(self, gx: Any) -> Any:
        """The GX expectation object."""
        cls = getattr(gx.expectations, self.expectation)
        return cls(**dict(self.kwargs), severity=self.severity, description=self.description,
                   meta={"rule": self.name})


def not_null(column: str) -> Rule:
    """`column` is always present."""
    return Rule(f"{column}_present", "ExpectColumnValuesToNotBeNull", {"column": column},
                f"{column} is never empty")


def in_set(column: str, values: list[Any], *, severity: str = "critical") -> Rule:
    """`column` takes one of `values` (empty values are not checked here)."""
    return Rule(f"{column}_known", "ExpectColumnValuesToBeInSet", {"column": column, "value_set": values},
                f"{column} is one of {', '.join(map(str, values))}", severity)


def between(column: str, low: float | None, high: float | None, *, name: str | None = None,
            description: str | None = None, severity: str = "critical") -> Rule:
    """`column` lies within [low, high] (empty values are not checked here)."""
    return Rule(name or f"{column}_in_range", "ExpectColumnValuesToBeBetween",
                {"column": column, "min_value": low, "max_value": high},
                description or f"{column} between {low} and {high}", severity)


def matches(column: str, regex: str, name: str, description: str) -> Rule:
    """`column` matches `regex`."""
    return Rule(name, "ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex}, description)


def unique_key(columns: tuple[str, ...]) -> Rule:
    """The natural key identifies one row."""
    return Rule("key_unique", "ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)},
                f"({', '.join(columns)}) is unique in the batch")


def holds(check_column: str, name: str, description: str, *, severity: str = "critical") -> Rule:
    """A derived boolean column (computed by the suite's `prepare`) is True wherever it is set."""
    return Rule(name, "ExpectColumnValuesToBeInSet", {"column": check_column, "value_set": [True]},
                description, severity)


def paris_day_minutes(days: Any) -> Any:
    """Length in minutes of each Paris day (1380 or 1500 on DST days) for a Series of tz-aware midnights."""
    import pandas as pd

    unique = pd.Series(days.unique())
    nxt = (unique.dt.tz_localize(None) + pd.Timedelta(days=1)).dt.tz_localize(PARIS)
    minutes = (nxt - unique).dt.total_seconds() / 60
    return days.map(dict(zip(unique, minutes, strict=True)))


def close(a: Any, b: Any, tolerance: float) -> Any:
    """Element-wise |a - b| <= tolerance, None where either side is missing (rule not applicable)."""
    import pandas as pd

    a = pd.to_numeric(a, errors="coerce")
    b = pd.to_numeric(b, errors="coerce")
    ok = ((a - b).abs() <= tolerance).astype(object)
    ok[a.isna() | b.isna()] = None
    return ok
