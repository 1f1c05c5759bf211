"""Canonical electricity metering datasets (docs/DATA_MODEL.md): columns, keys, Arrow schemas.

One `Dataset` per warehouse table; parsers produce its columns, the staged Parquet carries its
Arrow schema, the loader upserts on its key. Arrow types are built lazily (pyarrow is a heavy
import and this module is imported by DAG files through the task builders).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DIRECTIONS = ("CONS", "PROD")
TIME_CLASSES = ("BASE", "HP", "HC", "HPH", "HCH", "HPB", "HCB", "P")


@dataclass(frozen=True)
class Dataset:
    """A canonical dataset: its table, ordered columns with Arrow type names, and natural key.

    Type "dict" is text stored dictionary-encoded (meter ids, raw keys: few values, many rows).
    """

    table: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        """Columns in table order."""
        return [name for name, _ in self.columns]

    def arrow_schema(self) -> Any:
        """The pyarrow schema of the staged Parquet."""
        import pyarrow as pa

        types = {"string": pa.string(), "date": pa.date32(), "int64": pa.int64(), "int32": pa.int32(),
                 "int16": pa.int16(), "float64": pa.float64(), "timestamp": pa.timestamp("s", tz="UTC"),
                 "dict": pa.dictionary(pa.int32(), pa.string())}
        return pa.schema([pa.field(name, types[kind], nullable=name not in self.key)
                          for name, kind in self.columns])


DAILY_ENERGY = Dataset("daily_energy", (
    ("meter_id", "dict"), ("day", "date"), ("direction", "dict"), ("source", "dict"),
    ("energy_wh", "int64"), ("quality", "dict"), ("raw_key", "dict"),
), ("meter_id", "day", "direction", "source"))

LOAD_CURVE = Dataset("load_curve", (
    ("meter_id", "dict"), ("interval_end", "timestamp"), ("direction", "dict"),
    ("interval_minutes", "int16"), ("power_w", "int32"), ("energy_wh", "float64"),
    ("source", "dict"), ("raw_key", "dict"),
), ("meter_id", "interval_end", "direction"))

MAX_POWER = Dataset("max_power", (
    ("meter_id", "dict"), ("day", "date"), ("direction", "dict"), ("max_power_va", "int32"),
    ("reached_at", "timestamp"), ("source", "dict"), ("raw_key", "dict"),
), ("meter_id", "day", "direction"))

METER_INDEX = Dataset("meter_index", (
    ("meter_id", "dict"), ("reading_at", "timestamp"), ("time_class", "dict"),
    ("direction", "dict"), ("index_wh", "int64"), ("context", "dict"), ("source", "dict"),
    ("raw_key", "dict"),
), ("meter_id", "reading_at", "time_class", "direction"))

METER_CONTRACT = Dataset("meter_contract", (
    ("meter_id", "string"), ("source", "string"), ("segment", "string"), ("fta", "string"),
    ("tariff_option", "string"), ("subscribed_powers_kva", "string"), ("max_subscribed_kva", "float64"),
    ("off_peak_hours", "string"), ("status", "string"), ("last_activation_date", "date"),
    ("holder", "string"), ("address", "string"), ("valid_at", "timestamp"), ("raw_key", "string"),
    ("injection_contract", "string"),
), ("meter_id", "source"))

DATASETS = {d.table: d for d in (DAILY_ENERGY, LOAD_CURVE, MAX_POWER, METER_INDEX, METER_CONTRACT)}

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
                      "unit": "VA", "direction": row["direction"], "reached_at": row["reached_at"].astimezone(UTC)}
        else:
            raise ValueError(f"{dataset} is not a time series of intervals")
        out.append(record)
    return sorted(out, key=lambda r: (r["meter_id"], r["direction"], r["start"]))
