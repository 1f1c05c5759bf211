"""The ONE dataset catalogue (docs/DATA_MODEL.md): tables, upsert keys, columns, Arrow types.

Every stage reads it: parsers build tables in a dataset's Arrow schema, the staged Parquet carries
it, the Great Expectations suites check its columns, the quarantine files failed rows by its key,
the loaders upsert on its key. Plain Python, no heavy import (pyarrow is imported only by
`arrow_schema`): DAG files import this module through the task builders.

Arrow type names: string, dict (text stored dictionary-encoded: few values, many rows), date,
int16, int32, int64, float64, timestamp (seconds, UTC), decimal(P,S).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")


@dataclass(frozen=True)
class Dataset:
    """One canonical dataset: the warehouse table it loads into, its natural key, its typed columns."""

    name: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    json_columns: tuple[str, ...] = field(default=())
    types: tuple[tuple[str, str], ...] = field(default=())  # column -> Arrow type name, table order

    @property
    def table(self) -> str:
        """Warehouse table (the dataset's name)."""
        return self.name

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column, key first (the table's order)."""
        return self.key + self.values

    @property
    def column_names(self) -> list[str]:
        """Every column in table order, as a list (COPY column list)."""
        return list(self.columns)

    def arrow_schema(self) -> Any:
        """The pyarrow schema of the dataset's staged Parquet (key columns not nullable)."""
        import pyarrow as pa

        if not self.types:
            raise ValueError(f"dataset {self.name!r} is staged as JSON, it has no Arrow schema")
        simple = {"string": pa.string(), "date": pa.date32(), "int64": pa.int64(), "int32": pa.int32(),
                  "int16": pa.int16(), "float64": pa.float64(), "timestamp": pa.timestamp("s", tz="UTC"),
                  "dict": pa.dictionary(pa.int32(), pa.string())}

        def arrow(kind: str) -> Any:
            decimal = _DECIMAL.match(kind)
            return pa.decimal128(int(decimal[1]), int(decimal[2])) if decimal else simple[kind]

        kinds = dict(self.types)
        return pa.schema([pa.field(name, arrow(kinds[name]), nullable=name not in self.key)
                          for name in self.columns])


def _typed(name: str, columns: tuple[tuple[str, str], ...], key: tuple[str, ...],
           json_columns: tuple[str, ...] = ()) -> Dataset:
    names = tuple(c for c, _ in columns)
    if names[:len(key)] != key:
        raise ValueError(f"dataset {name}: the key {key} must be the first columns")
    return Dataset(name, key, names[len(key):], json_columns=json_columns, types=columns)


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    _typed("supplier_consumption", (
        ("supplier", "string"), ("meter_id", "string"), ("period_start", "date"), ("period_end", "date"),
        ("time_class", "string"), ("kwh", "decimal(14,3)"), ("site_name", "string"),
        ("invoice_number", "string"), ("raw_key", "string"),
    ), ("supplier", "meter_id", "period_start", "period_end", "time_class")),
    _typed("daily_energy", (
        ("meter_id", "dict"), ("day", "date"), ("direction", "dict"), ("source", "dict"),
        ("energy_wh", "int64"), ("quality", "dict"), ("raw_key", "dict"),
    ), ("meter_id", "day", "direction", "source")),
    _typed("load_curve", (
        ("meter_id", "dict"), ("interval_end", "timestamp"), ("direction", "dict"),
        ("interval_minutes", "int16"), ("power_w", "int32"), ("energy_wh", "float64"),
        ("source", "dict"), ("raw_key", "dict"),
    ), ("meter_id", "interval_end", "direction")),
    _typed("max_power", (
        ("meter_id", "dict"), ("day", "date"), ("direction", "dict"), ("max_power_va", "int32"),
        ("reached_at", "timestamp"), ("source", "dict"), ("raw_key", "dict"),
    ), ("meter_id", "day", "direction")),
    _typed("meter_index", (
        ("meter_id", "dict"), ("reading_at", "timestamp"), ("time_class", "dict"),
        ("direction", "dict"), ("index_wh", "int64"), ("context", "dict"), ("source", "dict"),
        ("raw_key", "dict"),
    ), ("meter_id", "reading_at", "time_class", "direction")),
    # M023 billing measures (R67): the energy Enedis retained for billing, per period and time class of a
    # grid (D: distributor, F: supplier), already differentiated (may be negative: a regularisation)
    _typed("billing_energy", (
        ("meter_id", "dict"), ("period_start", "date"), ("period_end", "date"), ("grid", "dict"),
        ("time_class", "dict"), ("direction", "dict"), ("energy_wh", "int64"), ("calendar", "dict"),
        ("nature", "dict"), ("status", "dict"), ("reading_reason", "dict"), ("source", "dict"),
        ("raw_key", "dict"),
    ), ("meter_id", "period_start", "period_end", "grid", "time_class", "direction")),
    _typed("meter_contract", (
        ("meter_id", "string"), ("source", "string"), ("segment", "string"), ("fta", "string"),
        ("tariff_option", "string"), ("subscribed_powers_kva", "string"), ("max_subscribed_kva", "float64"),
        ("off_peak_hours", "string"), ("status", "string"), ("last_activation_date", "date"),
        ("holder", "string"), ("address", "string"), ("valid_at", "timestamp"), ("raw_key", "string"),
        ("injection_contract", "string"),
    ), ("meter_id", "source"), json_columns=("subscribed_powers_kva", "injection_contract")),
    _typed("gas_consumption", (
        ("pce", "string"), ("period_start", "date"), ("period_end", "date"), ("kind", "string"),
        ("index_start_m3", "int64"), ("index_end_m3", "int64"), ("volume_m3", "decimal(14,3)"),
        ("conversion_coefficient", "decimal(6,3)"), ("energy_kwh", "decimal(16,3)"), ("status", "string"),
        ("reading_reason", "string"), ("reading_quality", "string"), ("raw_key", "string"),
    ), ("pce", "period_start", "period_end", "kind")),
    Dataset("invoice", ("supplier", "invoice_number"),
            ("document_type", "invoice_date", "due_date", "customer_account", "customer_name", "energy", "totals",
             "status", "reasons", "source", "raw_key", "staged_key"),
            json_columns=("totals", "reasons")),
    Dataset("invoice_site", ("supplier", "invoice_number", "meter_id"),
            ("site_name", "site_address", "period_start", "period_end", "tariff_option", "subscribed_power_kva",
             "max_power_kva", "consumption_kwh", "total_excl_tax")),
    Dataset("invoice_reading", ("supplier", "invoice_number", "meter_id", "period"),
            ("index_start", "index_end", "unit", "conversion_coefficient", "reading_type", "kwh")),
    Dataset("invoice_line", ("supplier", "invoice_number", "meter_id", "line_no"),
            ("category", "label", "period", "quantity", "unit", "unit_price", "amount_excl_tax", "vat_rate")),
)}

INVOICE_DATASETS = ("invoice", "invoice_site", "invoice_reading", "invoice_line")
METERING_DATASETS = ("daily_energy", "load_curve", "max_power", "meter_index", "meter_contract", "billing_energy")
GAS_DATASETS = ("gas_consumption",)


def dataset(name: str) -> Dataset:
    """The dataset called `name`; the error lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}") from None
