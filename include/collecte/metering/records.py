"""Electricity metering datasets: the Data Connect resources and data kinds that feed them.

The datasets themselves (columns, keys, Arrow schemas) live in the one catalogue,
`collecte.quality.datasets`; the names below are kept for the parsers that import them.
"""

from __future__ import annotations

from typing import Any

from collecte.quality.datasets import DATASETS as CATALOGUE
from collecte.quality.datasets import METERING_DATASETS, Dataset

DIRECTIONS = ("CONS", "PROD")
TIME_CLASSES = ("BASE", "HP", "HC", "HPH", "HCH", "HPB", "HCB", "P")

# The electricity datasets of the one catalogue (collecte.quality.datasets): columns, keys, Arrow types.
DAILY_ENERGY = CATALOGUE["daily_energy"]
LOAD_CURVE = CATALOGUE["load_curve"]
MAX_POWER = CATALOGUE["max_power"]
METER_INDEX = CATALOGUE["meter_index"]
METER_CONTRACT = CATALOGUE["meter_contract"]

DATASETS: dict[str, Dataset] = {name: CATALOGUE[name] for name in METERING_DATASETS}

# Data Connect resource -> (dataset, direction)
RESOURCES: dict[str, tuple[Dataset, str]] = {
    "consommation_quotidienne": (DAILY_ENERGY, "CONS"),
    "production_quotidienne": (DAILY_ENERGY, "PROD"),
    "courbe_de_charge_consommation": (LOAD_CURVE, "CONS"),
    "courbe_de_charge_production": (LOAD_CURVE, "PROD"),
    "puissance_conso_max_quotidienne": (MAX_POWER, "CONS"),
    "index_consommation": (METER_INDEX, "CONS"),
    "index_production": (METER_INDEX, "PROD"),
}

# Data kinds of the consent gate and of the Params form -> Data Connect resources.
KIND_RESOURCES: dict[str, tuple[str, ...]] = {
    "daily": ("consommation_quotidienne", "production_quotidienne"),
    "load_curve": ("courbe_de_charge_consommation", "courbe_de_charge_production"),
    "max_power": ("puissance_conso_max_quotidienne",),
    "index": ("index_consommation", "index_production"),
}
RESOURCE_KIND = {r: kind for kind, resources in KIND_RESOURCES.items() for r in resources}


def interval_records(dataset: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical time-series records, one per interval: meter_id, start, end (UTC), value, unit, and details.

    Rows are a dataset's warehouse rows (e.g. `table.to_pylist()` of a parsed answer). A curve point covers
    [end - step, end) in W; a daily energy its Paris day in Wh; a max power its Paris day in VA, with the
    instant of the peak in `reached_at`.
    """
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")

    def day_bounds(day: Any) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time(0), paris).astimezone(UTC)
        return start, datetime.combine(day + timedelta(days=1), time(0), paris).astimezone(UTC)

    out = []
    for row in rows:
        if dataset == LOAD_CURVE.table:
            end = row["interval_end"].astimezone(UTC)
            record = {"meter_id": row["meter_id"], "start": end - timedelta(minutes=row["interval_minutes"]),
                      "end": end, "value": row["power_w"], "unit": "W", "direction": row["direction"],
                      "interval_minutes": row["interval_minutes"], "energy_wh": row["energy_wh"]}
        elif dataset == DAILY_ENERGY.table:
            start, end = day_bounds(row["day"])
            record = {"meter_id": row["meter_id"], "start": start, "end": end, "value": row["energy_wh"], "unit": "Wh",
                      "direction": row["direction"], "quality": row["quality"]}
        elif dataset == MAX_POWER.table:
            start, end = day_bounds(row["day"])
            record = {"meter_id": row["meter_id"], "start": start, "end": end, "value": row["max_power_va"],
                      "unit": "VA", "direction": row["direction"], "reached_at": row["reached_at"].astimezone(UTC) if row["reached_at"] else None}
        else:
            raise ValueError(f"{dataset} is not a time series of intervals")
        out.append(record)
    return sorted(out, key=lambda r: (r["meter_id"], r["direction"], r["start"]))
