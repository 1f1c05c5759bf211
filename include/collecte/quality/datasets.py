"""The canonical datasets (docs/DATA_MODEL.md): their tables, natural keys and columns.

Plain Python, no heavy import: used by the suites, the quarantine, the replay and the DAG builders.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dataset:
    """One canonical dataset: the warehouse table it loads into, its natural key and its columns."""

    name: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    json_columns: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        """Warehouse table (the dataset's name)."""
        return self.name

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column, key first."""
        return self.key + self.values


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("supplier_consumption", ("supplier", "meter_id", "period_start", "period_end", "time_class"),
            ("kwh", "site_name", "invoice_number", "raw_key")),
    Dataset("daily_energy", ("meter_id", "day", "direction", "source"), ("energy_wh", "quality", "raw_key")),
    Dataset("load_curve", ("meter_id", "interval_end", "direction"),
            ("interval_minutes", "power_w", "energy_wh", "source", "raw_key")),
    Dataset("max_power", ("meter_id", "day", "direction"), ("max_power_va", "reached_at", "source", "raw_key")),
    Dataset("meter_index", ("meter_id", "reading_at", "time_class", "direction"),
            ("index_wh", "context", "source", "raw_key")),
    Dataset("meter_contract", ("meter_id", "source"),
            ("segment", "fta", "tariff_option", "subscribed_powers_kva", "max_subscribed_kva", "off_peak_hours",
             "status", "last_activation_date", "holder", "address", "valid_at", "raw_key", "injection_contract"),
            json_columns=("subscribed_powers_kva", "injection_contract")),
    Dataset("gas_consumption", ("pce", "period_start", "period_end", "kind"),
            ("index_start_m3", "index_end_m3", "volume_m3", "conversion_coefficient", "energy_kwh", "status",
             "reading_reason", "raw_key")),
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


def dataset(name: str) -> Dataset:
    """The dataset called `name`; the error lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}") from None
