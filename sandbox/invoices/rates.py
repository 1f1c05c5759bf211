"""Regulated rates (taxes, contributions) by date, read from ``tax_rates.yaml`` (each table names
its source there). A billing period that straddles a change is split with ``split``."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path

import yaml

RATES_FILE = Path(__file__).with_name("tax_rates.yaml")


@functools.cache
def _tables() -> dict:
    with RATES_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _values(table: str) -> list[dict]:
    return sorted(_tables()[table]["values"], key=lambda v: v["from"])


def _at(table: str, day: dt.date) -> dict:
    values = _values(table)
    found = values[0]
    for entry in values:
        if day >= entry["from"]:
            found = entry
    return found


_VAT = _tables()["reduced_vat"]
VAT_REFORM: dt.date = _VAT["ends"]
VAT_NORMAL = Decimal(_VAT["normal"])
VAT_REDUCED = Decimal(_VAT["reduced"])
ACCISE_ELECTRICITY = "accise_electricity_eur_per_mwh"
ACCISE_GAS = "accise_gas_eur_per_mwh"
CTA_ELECTRICITY = "cta_electricity_share_of_fixed_network_part"
CTA_GAS = "cta_gas_share_of_distribution_fixed_part"


def power_category(subscribed_kva: float) -> str:
    """Accise category of an electricity site."""
    if subscribed_kva <= 36:
        return "small"
    return "pme" if subscribed_kva <= 250 else "large"


def accise_electricity_mwh(day: dt.date, category: str) -> Decimal:
    """Accise on electricity in EUR/MWh in force on `day`."""
    return Decimal(_at(ACCISE_ELECTRICITY, day)[category])


def accise_gas_mwh(day: dt.date) -> Decimal:
    """Accise on natural gas in EUR/MWh in force on `day`."""
    return Decimal(_at(ACCISE_GAS, day)["rate"])


def cta_electricity(day: dt.date) -> Decimal:
    """CTA rate (fraction) on the electricity distribution fixed part."""
    return Decimal(_at(CTA_ELECTRICITY, day)["rate"])


def cta_gas(day: dt.date) -> Decimal:
    """CTA rate (fraction) on the gas distribution fixed part."""
    return Decimal(_at(CTA_GAS, day)["rate"])


def split(table: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """[start, end] cut at every change of `table` inside it (one part when no change falls in it)."""
    cuts = [v["from"] for v in _values(table) if start < v["from"] <= end]
    parts, cursor = [], start
    for cut in cuts:
        parts.append((cursor, cut - dt.timedelta(days=1)))
        cursor = cut
    parts.append((cursor, end))
    return parts


def reduced_vat_applies(invoice_date: dt.date, small_site: bool) -> bool:
    """True when subscription and CTA lines take 5.5 % VAT (small sites, before 2025-08-01)."""
    return small_site and invoice_date < VAT_REFORM
