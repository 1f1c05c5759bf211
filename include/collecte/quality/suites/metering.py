"""Suites of the grid operators' metering datasets and of supplier consumption exports.

Multi-row rules (a complete day of curve points, consecutive days) are computed by `prepare_*`
into derived `_chk_*` columns, then checked by plain GX expectations, so every rule's verdict
comes out of the same GX result, row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collecte.quality.datasets import DATASETS
from collecte.quality.suites.common import (
    DIRECTIONS,
    METER_REGEX,
    PARIS,
    PRM_REGEX,
    TIME_CLASSES,
    Rule,
    between,
    holds,
    in_set,
    matches,
    not_null,
    paris_day_minutes,
    unique_key,
)

PRM = matches("meter_id", PRM_REGEX, "prm_form", "meter_id is a 14-digit PRM")
SEGMENTS = ["C1", "C2", "C3", "C4", "C5", "P1", "P2", "P3", "P4"]
CURVE_STEPS = [5, 10, 15, 30, 60]


def load_curve_rules() -> list[Rule]:
    """Load-curve points: key, PRM, step, power, W x min / 60 = Wh, every interval of each Paris day."""
    return [
        unique_key(DATASETS["load_curve"].key), PRM, not_null("interval_end"), in_set("direction", DIRECTIONS),
        in_set("interval_minutes", CURVE_STEPS), not_null("power_w"),
        between("power_w", 0, 50_000_000, description="power_w between 0 and 50 MW"),
        holds("_chk_energy_matches_power", "energy_matches_power",
              "energy_wh = power_w x interval_minutes / 60 (within 1 Wh)"),
        holds("_chk_day_complete", "day_complete",
              "every interval of the Paris day is present (46 half-hours on the spring DST day, 50 in autumn)",
              severity="warning"),
    ]


def prepare_load_curve(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived columns: energy consistency, and points present vs expected per meter, direction and Paris day."""
    import pandas as pd

    out = df.copy()
    minutes = pd.to_numeric(out["interval_minutes"], errors="coerce")
    expected_wh = pd.to_numeric(out["power_w"], errors="coerce") * minutes / 60
    out["_chk_energy_matches_power"] = (pd.to_numeric(out["energy_wh"], errors="coerce") - expected_wh).abs() <= 1
    end = pd.to_datetime(out["interval_end"], utc=True)
    day = (end - pd.to_timedelta(minutes, unit="min")).dt.tz_convert(PARIS).dt.normalize()
    # the minutes covered, not a count of points: a meter reprogrammed at noon (30 → 10 min) has a complete
    # day of 24 + 72 points
    covered = minutes.groupby([out["meter_id"], out["direction"], day], sort=False, dropna=False).transform("sum")
    out["_chk_day_complete"] = covered.to_numpy() == paris_day_minutes(day).to_numpy()
    return out


def daily_energy_rules() -> list[Rule]:
    """Daily energy: key, PRM, direction, quality label, range, no missing day inside the batch's span."""
    return [
        unique_key(DATASETS["daily_energy"].key), PRM, not_null("day"), in_set("direction", DIRECTIONS),
        not_null("source"), in_set("quality", ["BRUT", "BEST", "provisional", "definitive"]), not_null("energy_wh"),
        between("energy_wh", 0, 1_200_000_000, description="energy_wh between 0 and 1.2 GWh a day"),
        holds("_chk_days_contiguous", "no_missing_day",
              "no day is missing between the first and last day of the meter in the batch", severity="warning"),
    ]


def prepare_daily_energy(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived column: days present vs the span of days, per meter, direction and source."""
    import pandas as pd

    out = df.copy()
    day = pd.to_datetime(out["day"])
    groups = out.groupby([out["meter_id"], out["direction"], out["source"]], sort=False, dropna=False)
    span = (groups["day"].transform(lambda s: (pd.to_datetime(s).max() - pd.to_datetime(s).min()).days + 1)
            if len(out) else day)
    distinct = groups["day"].transform("nunique") if len(out) else day
    out["_chk_days_contiguous"] = span.to_numpy() == distinct.to_numpy()
    return out


def max_power_rules() -> list[Rule]:
    """Daily max power: key, PRM, range in VA, peak reached on that Paris day."""
    return [
        unique_key(DATASETS["max_power"].key), PRM, in_set("direction", DIRECTIONS), not_null("max_power_va"),
        between("max_power_va", 0, 50_000_000, description="max_power_va between 0 and 50 MVA"),
        holds("_chk_reached_on_day", "reached_on_day", "reached_at falls on `day` (Paris time)"),
    ]


def prepare_max_power(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived column: the peak time is on the Paris day it is reported for."""
    import pandas as pd

    out = df.copy()
    reached = pd.to_datetime(out["reached_at"], utc=True).dt.tz_convert(PARIS).dt.date
    ok = (reached == pd.to_datetime(out["day"]).dt.date).astype(object)
    ok[out["reached_at"].isna()] = None
    out["_chk_reached_on_day"] = ok
    return out


def meter_index_rules() -> list[Rule]:
    """Meter readings: key, PRM, class, direction, non-negative index."""
    return [
        unique_key(DATASETS["meter_index"].key), PRM, not_null("reading_at"), in_set("time_class", TIME_CLASSES),
        in_set("direction", DIRECTIONS), not_null("index_wh"), between("index_wh", 0, None,
                                                                      description="index_wh is not negative"),
    ]


def meter_contract_rules() -> list[Rule]:
    """Contract data: key, PRM, segment, subscribed powers coherent (max, C5 <= 36 kVA, C4 classes ordered).

    No rule on `status`: Data Connect 2026 has no contract-status field any more (SGE and GRDF still give one).
    """
    return [
        unique_key(DATASETS["meter_contract"].key), PRM, in_set("segment", SEGMENTS),
        between("max_subscribed_kva", 0.1, 100_000, description="max_subscribed_kva is positive"),
        holds("_chk_max_is_highest", "max_power_is_highest_class",
              "max_subscribed_kva is the highest of subscribed_powers_kva"),
        holds("_chk_segment_power", "segment_power_consistent", "a C5 point subscribes at most 36 kVA, a C4 more"),
        holds("_chk_c4_ordered", "c4_powers_ordered", "C4 subscribed powers satisfy HPH <= HCH <= HPB <= HCB"),
    ]


def _powers(value: Any) -> dict[str, float]:
    import orjson

    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return {str(k): float(v) for k, v in (value or {}).items() if v is not None}


def prepare_meter_contract(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived columns from subscribed_powers_kva (class -> kVA)."""
    import pandas as pd

    out = df.copy()
    powers = out["subscribed_powers_kva"].map(_powers)
    top = powers.map(lambda p: max(p.values()) if p else None)
    # a frame mixing rows with and without powers holds NaN, not None, where a value is missing
    out["_chk_max_is_highest"] = [None if pd.isna(t) or pd.isna(m) else abs(float(m) - t) < 1e-6
                                  for t, m in zip(top, out["max_subscribed_kva"], strict=True)]

    def segment_ok(segment: Any, kva: Any) -> bool | None:
        if pd.isna(kva) or segment not in ("C5", "C4"):
            return None
        return float(kva) <= 36 if segment == "C5" else float(kva) > 36

    out["_chk_segment_power"] = [segment_ok(s, k) for s, k in zip(out["segment"], out["max_subscribed_kva"],
                                                                   strict=True)]

    def ordered(segment: Any, p: dict[str, float]) -> bool | None:
        values = [p[c] for c in ("HPH", "HCH", "HPB", "HCB") if c in p]
        if segment != "C4" or len(values) < 2:
            return None
        return all(a <= b for a, b in zip(values, values[1:], strict=False))

    out["_chk_c4_ordered"] = [ordered(s, p) for s, p in zip(out["segment"], powers, strict=True)]
    return out


def billing_energy_rules() -> list[Rule]:
    """M023 billing measures (R67): key, PRM, grid, direction, period order, energy range (negative allowed:
    a regularisation reduces an earlier estimate)."""
    return [
        unique_key(DATASETS["billing_energy"].key), PRM, in_set("grid", ["D", "F"]), in_set("direction", DIRECTIONS),
        not_null("time_class"), not_null("energy_wh"),
        between("energy_wh", -10_000_000_000, 10_000_000_000, description="energy_wh within +/- 10 GWh a period"),
        holds("_chk_period_ordered", "period_ordered", "period_end is on or after period_start"),
    ]


def supplier_consumption_rules() -> list[Rule]:
    """Supplier consumption exports: key, PRM/PCE form, class, period order, kWh range."""
    return [
        unique_key(DATASETS["supplier_consumption"].key), not_null("supplier"),
        matches("meter_id", METER_REGEX, "meter_form", "meter_id is a 14-digit PRM or a PCE"),
        in_set("time_class", [*TIME_CLASSES, "GAS"]), not_null("kwh"),
        between("kwh", 0, 100_000_000, description="kwh between 0 and 100 GWh"),
        holds("_chk_period_ordered", "period_ordered", "period_end is on or after period_start"),
    ]


def prepare_period(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived column: period_end >= period_start."""
    import pandas as pd

    out = df.copy()
    out["_chk_period_ordered"] = pd.to_datetime(out["period_end"]) >= pd.to_datetime(out["period_start"])
    return out
