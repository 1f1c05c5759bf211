"""Suite of GRDF gas consumption (published and informative records)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collecte.quality.datasets import DATASETS
from collecte.quality.suites.common import PCE_REGEX, Rule, between, close, holds, in_set, matches, unique_key


def gas_consumption_rules() -> list[Rule]:
    """Key, PCE form, kind, period order, m3 = end - start, kWh = m3 x coefficient, coefficient range."""
    return [
        unique_key(DATASETS["gas_consumption"].key),
        matches("pce", PCE_REGEX, "pce_form", "pce is 14 digits or GI followed by 6 digits"),
        in_set("kind", ["published", "informative"]),
        holds("_chk_period_ordered", "period_ordered", "period_end is after period_start (the period is [start, end))"),
        between("volume_m3", 0, 50_000_000, description="volume_m3 between 0 and 50 million m3"),
        between("conversion_coefficient", 9, 13,
                description="conversion_coefficient between 9 and 13 kWh/m3"),
        holds("_chk_volume_matches_index", "volume_matches_index", "volume_m3 = index_end_m3 - index_start_m3"),
        holds("_chk_energy_matches_volume", "energy_matches_volume",
              "energy_kwh = volume_m3 x conversion_coefficient (within 1 kWh or 1 %)"),
    ]


def prepare_gas_consumption(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived columns for the period order and the volume / energy arithmetic."""
    import pandas as pd

    out = df.copy()
    num = {c: pd.to_numeric(out[c], errors="coerce") for c in
           ("index_start_m3", "index_end_m3", "volume_m3", "conversion_coefficient", "energy_kwh")}
    out["_chk_period_ordered"] = pd.to_datetime(out["period_end"]) > pd.to_datetime(out["period_start"])
    out["_chk_volume_matches_index"] = close(num["volume_m3"], num["index_end_m3"] - num["index_start_m3"], 0.5)
    expected = num["volume_m3"] * num["conversion_coefficient"]
    tolerance = (expected.abs() * 0.01).clip(lower=1.0)
    ok = ((num["energy_kwh"] - expected).abs() <= tolerance).astype(object)
    ok[expected.isna() | num["energy_kwh"].isna()] = None
    out["_chk_energy_matches_volume"] = ok
    return out
