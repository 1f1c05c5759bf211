"""Regulated rates (taxes, contributions) by date, per ../shared/DOMAIN.md.

Values before February 2026 are the sandbox's own assumptions (DOMAIN.md gives only the
2026 rates); every invoice applies the rate in force on the last day billed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

# Accise on electricity, EUR/MWh, by category: "small" <= 36 kVA, "pme" 36-250 kVA, "large" > 250 kVA.
_ACCISE_ELEC: list[tuple[dt.date, dict[str, str]]] = [
    (dt.date(2024, 2, 1), {"small": "21.00", "pme": "20.50", "large": "20.50"}),
    (dt.date(2025, 2, 1), {"small": "33.70", "pme": "26.23", "large": "22.50"}),
    (dt.date(2025, 8, 1), {"small": "29.98", "pme": "25.79", "large": "22.50"}),
    (dt.date(2026, 2, 1), {"small": "30.85", "pme": "26.58", "large": "25.09"}),
]
# Accise on natural gas, EUR/MWh.
_ACCISE_GAS: list[tuple[dt.date, str]] = [
    (dt.date(2024, 1, 1), "16.37"),
    (dt.date(2025, 2, 1), "17.16"),
    (dt.date(2026, 2, 1), "16.39"),
]
# CTA as a fraction of the fixed network part.
_CTA_ELEC: list[tuple[dt.date, str]] = [(dt.date(2021, 8, 1), "0.2193"), (dt.date(2026, 2, 1), "0.15")]
_CTA_GAS: list[tuple[dt.date, str]] = [(dt.date(2021, 8, 1), "0.2080")]
# Reduced VAT on subscriptions and CTA for small sites ended on this day.
VAT_REFORM = dt.date(2025, 8, 1)
VAT_NORMAL = Decimal("0.2")
VAT_REDUCED = Decimal("0.055")


def _at(table: list, day: dt.date):
    value = table[0][1]
    for start, rate in table:
        if day >= start:
            value = rate
    return value


def power_category(subscribed_kva: float) -> str:
    """Accise category of an electricity site."""
    if subscribed_kva <= 36:
        return "small"
    return "pme" if subscribed_kva <= 250 else "large"


def accise_electricity_mwh(day: dt.date, category: str) -> Decimal:
    """Accise on electricity in EUR/MWh in force on `day`."""
    return Decimal(_at(_ACCISE_ELEC, day)[category])


def accise_gas_mwh(day: dt.date) -> Decimal:
    """Accise on natural gas in EUR/MWh in force on `day`."""
    return Decimal(_at(_ACCISE_GAS, day))


def cta_electricity(day: dt.date) -> Decimal:
    """CTA rate (fraction) on the electricity distribution fixed part."""
    return Decimal(_at(_CTA_ELEC, day))


def cta_gas(day: dt.date) -> Decimal:
    """CTA rate (fraction) on the gas distribution fixed part."""
    return Decimal(_at(_CTA_GAS, day))


def reduced_vat_applies(invoice_date: dt.date, small_site: bool) -> bool:
    """True when subscription and CTA lines take 5.5 % VAT (small sites, before 2025-08-01)."""
    return small_site and invoice_date < VAT_REFORM
