"""Test data built here (never copied from shared samples): curves, metering rows, invoices."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def load_curve(meter: str, first: date, days: int, step: int = 30, direction: str = "CONS",
               power: int = 1200) -> Any:
    """Complete curve points for `days` Paris days from `first` (DST days have 46 or 50 half-hours)."""
    import pandas as pd

    start = datetime.combine(first, datetime.min.time(), PARIS).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=days), datetime.min.time(), PARIS).astimezone(UTC)
    ends = pd.date_range(start + timedelta(minutes=step), end, freq=f"{step}min", tz="UTC")
    n = len(ends)
    return pd.DataFrame({
        "meter_id": [meter] * n, "interval_end": ends, "direction": [direction] * n,
        "interval_minutes": [step] * n, "power_w": [power] * n, "energy_wh": [power * step / 60] * n,
        "source": ["dataconnect"] * n, "raw_key": ["raw/source=enedis/kind=load_curve/x.json"] * n,
    })


def daily_energy(meter: str, first: date, days: int, wh: int = 24_000) -> Any:
    """One row per day for a meter."""
    import pandas as pd

    return pd.DataFrame([{"meter_id": meter, "day": first + timedelta(days=i), "direction": "CONS",
                          "source": "dataconnect", "energy_wh": wh, "quality": "BRUT", "raw_key": "raw/k"}
                         for i in range(days)])


def invoice(number: str = "FV-2026-000101", *, supplier: str = "volta", meter: str = "30001234567890",
            start: str = "2026-03-01", end: str = "2026-03-31", hp: int = 600, hc: int = 400,
            price_hp: float = 0.18375, price_hc: float = 0.14765, credit: bool = False,
            estimated: bool = False, kva: float = 9) -> dict[str, Any]:
    """An HP/HC electricity invoice whose arithmetic holds (a credit note negates it)."""
    lines = [
        {"category": "subscription", "label": f"Abonnement HP/HC {kva} kVA", "period": None, "quantity": 31,
         "unit": "day", "unit_price": 0.5, "amount_excl_tax": 15.5, "vat_rate": 0.2},
        {"category": "energy", "label": "Heures pleines", "period": "HP", "quantity": hp, "unit": "kWh",
         "unit_price": price_hp, "amount_excl_tax": round(hp * price_hp, 2), "vat_rate": 0.2},
        {"category": "energy", "label": "Heures creuses", "period": "HC", "quantity": hc, "unit": "kWh",
         "unit_price": price_hc, "amount_excl_tax": round(hc * price_hc, 2), "vat_rate": 0.2},
        {"category": "tax", "label": "CTA", "period": None, "quantity": None, "unit": None, "unit_price": None,
         "amount_excl_tax": 2.1, "vat_rate": 0.2},
    ]
    reading = "estimated" if estimated else "actual"
    readings = [
        {"period": "HP", "index_start": 1000, "index_end": 1000 + hp, "unit": "kWh",
         "conversion_coefficient": None, "reading_type": reading, "kwh": hp},
        {"period": "HC", "index_start": 5000, "index_end": 5000 + hc, "unit": "kWh",
         "conversion_coefficient": None, "reading_type": reading, "kwh": hc},
    ]
    site_total = round(sum(line["amount_excl_tax"] for line in lines), 2)
    vat = round(site_total * 0.2, 2)
    doc = {
        "supplier": supplier, "document_type": "invoice", "invoice_number": number, "invoice_date": "2026-04-05",
        "due_date": "2026-04-20", "customer_account": "C-1", "customer_name": "Mairie de Test",
        "energy": "electricity", "currency": "EUR", "total_excl_tax": site_total, "total_vat": vat,
        "total_incl_tax": round(site_total + vat, 2),
        "sites": [{"meter_id": meter, "site_name": "École", "site_address": "1 rue de la Paix, 75002 Paris",
                   "period_start": start, "period_end": end, "tariff_option": "HPHC", "subscribed_power_kva": kva,
                   "max_power_kva": None, "consumption_kwh": hp + hc, "readings": readings, "lines": lines,
                   "total_excl_tax": site_total}],
    }
    return negate(doc) if credit else doc


def negate(doc: dict[str, Any]) -> dict[str, Any]:
    """The credit note of an invoice: every amount and quantity negated, no readings, no due date."""
    out = copy.deepcopy(doc)
    out.update(document_type="credit_note", due_date=None, invoice_number="AV-" + doc["invoice_number"])
    for k in ("total_excl_tax", "total_vat", "total_incl_tax"):
        out[k] = -out[k]
    for site in out["sites"]:
        site["readings"] = []
        site["consumption_kwh"] = -site["consumption_kwh"]
        site["total_excl_tax"] = -site["total_excl_tax"]
        for line in site["lines"]:
            line["amount_excl_tax"] = -line["amount_excl_tax"]
            if line["quantity"] is not None:
                line["quantity"] = -line["quantity"]
    return out
