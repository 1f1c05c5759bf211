"""Draw GazÉlec invoice truths (and the decoration their layout needs) from a contract."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sandbox.invoices import frenchfmt as fr
from sandbox.invoices import identities, rates
from sandbox.invoices.lines import finish_invoice, line, negate, part_suffix, price, prorate
from sandbox.invoices.money import dec, round_amount
from sandbox.invoices.periods import add_months, days, month_slices
from sandbox.invoices.seasons import energy_over

# Per tariff: yearly kWh range, subscription and ATRD fixed EUR/day, ATRD variable EUR/kWh, months per bill.
TARIFFS = {
    "T1": {"car": (2000, 6000), "sub": (0.28, 0.33), "atrd_fixed": 0.1279, "atrd_var": 0.03981, "months": 2},
    "T2": {"car": (6000, 300000), "sub": (0.6, 1.1), "atrd_fixed": 0.4423, "atrd_var": 0.01184, "months": 1},
    "T3": {"car": (300000, 4000000), "sub": (2.8, 3.3), "atrd_fixed": 3.031, "atrd_var": 0.00829, "months": 1},
}
REASONS = ["erreur de tarif appliqué", "index erroné", "erreur de coefficient de conversion"]


def new_contract(rng: random.Random, options: dict) -> dict:
    """A GazÉlec contract: customer, one PCE, tariff, prices, running m³ index."""
    tariff = options.get("tariff_option") or rng.choice(["T1", "T1", "T2", "T2", "T3"])
    spec = TARIFFS[tariff]
    customer = identities.complete_customer(rng, options.get("customer"), 0.1)
    customer.setdefault("account", f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}")
    car = rng.randint(*spec["car"])
    return {
        "customer": customer, "meter_id": (options.get("meter_ids") or [identities.pce(rng)])[0],
        "tariff": tariff, "car": car, "per_day": car / 365 / 1.0,
        "site_name": None if rng.random() < 0.1 else identities.site_name(rng, 0.1),
        "site_address": identities.site_address(rng, 0.15),
        "index": rng.randint(1000, 90000) if tariff != "T3" else rng.randint(100000, 900000),
        "pcs": round(rng.uniform(11.1, 11.5), 3), "offset": rng.randint(0, 27),
        "sub": price(rng.uniform(*spec["sub"]), 4), "atrd_fixed": spec["atrd_fixed"],
        "energy": price(rng.uniform(0.058, 0.078), 5), "atrd_var": spec["atrd_var"],
        "atrt": price(rng.uniform(0.0040, 0.0056), 5), "storage": price(rng.uniform(0.0021, 0.0031), 5),
        "split": tariff != "T3", "tech_visit": rng.random() < 0.08,
        "frequency": {"T1": "semestrielle", "T2": "mensuelle", "T3": "mensuelle"}[tariff],
    }


def billing_step(contract: dict) -> int:
    """Months between two invoices of the contract (T1 meters are read every two months here)."""
    return TARIFFS[contract["tariff"]]["months"]


def _days_lines(label: str, category: str, slices, unit_price: float, vat: Decimal) -> list[dict]:
    return [line(category, label, days(a, b), "day", unit_price, vat=vat) for a, b in slices]


def _lines(contract: dict, start: dt.date, end: dt.date, kwh: int, invoice_date: dt.date) -> list[dict]:
    small = contract["tariff"] in ("T1", "T2")
    fixed_vat = rates.VAT_REDUCED if rates.reduced_vat_applies(invoice_date, small) else rates.VAT_NORMAL
    slices = month_slices(start, end) if contract["split"] else [(start, end)]
    out = _days_lines("Abonnement GazÉlec Pro", "subscription", slices, contract["sub"], fixed_vat)
    out.append(line("energy", "Consommation de gaz naturel", kwh, "kWh", contract["energy"]))
    fixed = _days_lines("Acheminement distribution (ATRD) - abonnement", "network", slices,
                        contract["atrd_fixed"], fixed_vat)
    out += fixed
    out += [line("network", "Acheminement distribution (ATRD) - part proportionnelle", kwh, "kWh",
                 contract["atrd_var"]),
            line("network", "Acheminement transport (ATRT)", kwh, "kWh", contract["atrt"]),
            line("network", "Compensation stockage", kwh, "kWh", contract["storage"])]
    base = sum((dec(x["amount_excl_tax"]) for x in fixed), Decimal(0))
    parts = rates.split(rates.CTA_GAS, start, end)
    for (a, b), part_base in zip(parts, prorate(base, parts, "0.01"), strict=True):
        cta = rates.cta_gas(b)
        rate_text = f"{cta * 100:.2f}".replace(".", ",")
        out.append(line("tax", f"Contribution tarifaire d'acheminement (CTA) - {rate_text}\xa0% de l'abonnement "
                        f"ATRD{part_suffix(parts, a, b, fr.d_slash)}", None, None, None, vat=fixed_vat,
                        amount=round_amount(part_base * cta)))
    parts = rates.split(rates.ACCISE_GAS, start, end)
    for (a, b), part_kwh in zip(parts, prorate(kwh, parts), strict=True):
        out.append(line("tax", f"Accise sur le gaz naturel{part_suffix(parts, a, b, fr.d_slash)}", part_kwh, "kWh",
                        float(rates.accise_gas_mwh(b) / 1000)))
    if contract["tech_visit"]:
        out.append(line("other", "Déplacement technicien (mise en service)", 1, "unit", 38.0))
    return out


def draw_invoice(contract: dict, month: dt.date, rng: random.Random, document_type: str = "invoice",
                 regularisation: bool = False) -> tuple[dict, dict]:
    """Truth and decoration of the invoice whose period ends in `month`; advances the m³ index."""
    span = 7 if regularisation else TARIFFS[contract["tariff"]]["months"]
    start = add_months(month, -span) + dt.timedelta(days=contract["offset"])
    end = month + dt.timedelta(days=contract["offset"] - 1)
    coefficient = round(contract["pcs"] * rng.uniform(0.975, 0.985), 3)
    kwh_target = energy_over(start, end, contract["per_day"], rng, gas=True)
    volume = max(1, int(round(kwh_target / coefficient)))
    kwh = int(round(dec(volume) * dec(coefficient)))
    first = contract["index"]
    contract["index"] = first + volume
    estimated = rng.random() < 0.15 and not regularisation
    invoice_date = end + dt.timedelta(days=rng.randint(2, 8))
    credit = document_type == "credit_note"
    original = invoice_date
    if credit:
        invoice_date = original + dt.timedelta(days=rng.randint(15, 45))
    serial = f"{invoice_date:%y}-{rng.randint(1, 9999999):07d}"
    customer = contract["customer"]
    truth = {
        "supplier": "gazelec", "document_type": "invoice", "invoice_number": f"GEP-{'A' if credit else 'F'}-{serial}",
        "invoice_date": invoice_date.isoformat(),
        "due_date": (invoice_date + dt.timedelta(days=rng.choice([10, 30]))).isoformat(),
        "customer_account": customer["account"], "customer_name": customer["name"], "energy": "gas",
        "currency": "EUR", "total_excl_tax": 0, "total_vat": 0, "total_incl_tax": 0,
        "sites": [{
            "meter_id": contract["meter_id"], "site_name": contract["site_name"],
            "site_address": contract["site_address"], "period_start": start.isoformat(),
            "period_end": end.isoformat(), "tariff_option": contract["tariff"], "subscribed_power_kva": None,
            "max_power_kva": None, "consumption_kwh": kwh,
            "readings": [{"period": "GAS", "index_start": first, "index_end": first + volume, "unit": "m3",
                          "conversion_coefficient": coefficient,
                          "reading_type": "estimated" if estimated else "actual", "kwh": kwh}],
            "lines": _lines(contract, start, end, kwh, invoice_date), "total_excl_tax": 0,
        }],
    }
    finish_invoice(truth)
    decoration = {"customer_address": customer["address_lines"], "car": contract["car"],
                  "frequency": contract["frequency"], "pcs": contract["pcs"],
                  "kind": "regularisation" if regularisation else "normal"}
    if credit:
        decoration.update(original_number=f"GEP-F-{original:%y}-{rng.randint(1, 9999999):07d}",
                          original_date=original.isoformat(), reason=rng.choice(REASONS))
        contract["index"] = first
        negate(truth)
    return truth, decoration


def credit_note_number(day: dt.date, rng: random.Random) -> str:
    """A GazÉlec credit note number issued on `day`."""
    return f"GEP-A-{day:%y}-{rng.randint(1, 9999999):07d}"
