"""One Great Expectations suite per canonical dataset, as code versioned with the package.

`SUITES[name]` gives the rules (expectations, each with a name, a description and a severity) and
the `prepare` step computing the derived columns multi-row rules need. Column names are exactly
those of docs/DATA_MODEL.md (see `collecte.quality.datasets`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from collecte.quality.suites import gas, invoices, metering
from collecte.quality.suites.common import Rule

SUITE_VERSION = "1"


def _unchanged(df: Any, related: Mapping[str, Any]) -> Any:
    return df


@dataclass(frozen=True)
class Suite:
    """The checks of one dataset."""

    dataset: str
    rules: Callable[[], list[Rule]]
    prepare: Callable[[Any, Mapping[str, Any]], Any] = _unchanged

    @property
    def name(self) -> str:
        """Suite name, versioned: results say which version of the rules judged them."""
        return f"collecte.{self.dataset}.v{SUITE_VERSION}"


SUITES: dict[str, Suite] = {s.dataset: s for s in (
    Suite("supplier_consumption", metering.supplier_consumption_rules, metering.prepare_period),
    Suite("daily_energy", metering.daily_energy_rules, metering.prepare_daily_energy),
    Suite("load_curve", metering.load_curve_rules, metering.prepare_load_curve),
    Suite("max_power", metering.max_power_rules, metering.prepare_max_power),
    Suite("meter_index", metering.meter_index_rules),
    Suite("billing_energy", metering.billing_energy_rules, metering.prepare_period),
    Suite("meter_contract", metering.meter_contract_rules, metering.prepare_meter_contract),
    Suite("gas_consumption", gas.gas_consumption_rules, gas.prepare_gas_consumption),
    Suite("invoice", invoices.invoice_rules, invoices.prepare_invoice),
    Suite("invoice_site", invoices.invoice_site_rules, invoices.prepare_invoice_site),
    Suite("invoice_reading", invoices.invoice_reading_rules, invoices.prepare_invoice_reading),
    Suite("invoice_line", invoices.invoice_line_rules, invoices.prepare_invoice_line),
)}


def suite(dataset: str) -> Suite:
    """The suite of `dataset`."""
    try:
        return SUITES[dataset]
    except KeyError:
        raise KeyError(f"no suite for dataset {dataset!r}; known: {', '.join(sorted(SUITES))}") from None
