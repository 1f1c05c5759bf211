"""Draw Azur invoice truths (and the decoration their layout needs) from a contract."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sandbox.invoices import frenchfmt as fr
from sandbox.invoices import identities, rates
from sandbox.invoices.lines import advance_readings, finish_invoice, line, negate, part_suffix, price, prorate
from sandbox.invoices.money import dec, round_amount
from sandbox.invoices.periods import add_months, month_end
from sandbox.invoices.seasons import energy_over, is_winter

NNBSP = "\u202f"
PERIOD_LABELS = {"HPH": "Heures Pleines Hiver (HPH)", "HCH": "Heures Creuses Hiver (HCH)",
                 "HPB": "Heures Pleines Été (HPB)", "HCB": "Heures Creuses Été (HCB)",
                 "HP": "Heures Pleines (HP)", "HC": "Heures Creuses (HC)"}
PERIODS = {"4P": ["HPH", "HCH", "HPB", "HCB"], "HPHC": ["HP", "HC"]}
SHARES = {"HPH": 0.62, "HCH": 0.38, "HPB": 0.62, "HCB": 0.38, "HP": 0.66, "HC": 0.34}
REASONS = ["erreur de tarif appliqué", "index erroné", "puissance souscrite erronée"]


def _powers(rng: random.Random, option: str) -> dict[str, int]:
    base = rng.randrange(42, 240, 6)
    if option == "HPHC":
        return {"HP": base}
    values = sorted(min(250, base + rng.choice([0, 0, 6, 12, 24])) for _ in range(4))
    return dict(zip(PERIODS["4P"], values, strict=True))


def new_contract(rng: random.Random, options: dict) -> dict:
    """An Azur contract: customer, one C4 site, per-period powers, prices, running indexes."""
    option = options.get("tariff_option") or rng.choice(["4P", "4P", "HPHC"])
    customer = identities.complete_customer(rng, options.get("customer"), 0.1)
    customer.setdefault("account", f"AZ-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}")
    powers = _powers(rng, option)
    top = max(powers.values())
    return {
        "customer": customer, "meter_id": (options.get("meter_ids") or [identities.prm(rng)])[0],
        "option": option, "powers": powers,
        "site_name": None if rng.random() < 0.1 else identities.site_name(rng, 0.1),
        "site_address": identities.site_address(rng, 0.15),
        "indexes": {p: rng.randint(100000, 2600000) for p in PERIODS[option]},
        "per_day": top * rng.uniform(2.5, 7.0),
        "print_max": rng.random() < 0.75,
        "sub_price": price(rng.uniform(25, 50), 2),
        "gestion": 18.15, "comptage": 23.61,
        "power_price": price(top * rng.uniform(1.15, 1.5), 2),
        "energy": {p: price(rng.uniform(0.10, 0.24) * (1.15 if p.startswith("HP") else 0.85), 5)
                   for p in PERIODS[option]},
        "turpe": {p: price(rng.uniform(0.008, 0.066), 5) for p in PERIODS[option]},
        "capacity": price(rng.uniform(0.0012, 0.0035), 5) if rng.random() < 0.7 else None,
        "relief": rng.random() < 0.1,
    }


def _split(contract: dict, start: dt.date, end: dt.date, rng: random.Random) -> dict[str, int]:
    kwh = {}
    if contract["option"] == "HPHC":
        total = energy_over(start, end, contract["per_day"], rng)
        kwh["HP"] = int(round(total * rng.uniform(0.6, 0.72)))
        kwh["HC"] = total - kwh["HP"]
        return kwh
    kwh = dict.fromkeys(PERIODS["4P"], 0)
    cursor = start
    while cursor <= end:
        stop = min(month_end(cursor), end)
        total = energy_over(cursor, stop, contract["per_day"], rng)
        hp = int(round(total * rng.uniform(0.55, 0.7)))
        keys = ("HPH", "HCH") if is_winter(cursor) else ("HPB", "HCB")
        kwh[keys[0]] += hp
        kwh[keys[1]] += total - hp
        cursor = stop + dt.timedelta(days=1)
    return kwh


def _amount_text(value: Decimal) -> str:
    return f"{fr.number(value, 2, NNBSP)}\xa0€"


def _lines(contract: dict, start: dt.date, months: int, kwh: dict[str, int], end: dt.date, max_kva: int | None,
           weighted: float) -> list[dict]:
    total = sum(kwh.values())
    out = [line("subscription", "Abonnement mensuel", months, "month", contract["sub_price"])]
    for p, q in kwh.items():
        if q:
            out.append(line("energy", f"Énergie {PERIOD_LABELS[p]}", q, "kWh", contract["energy"][p], period=p))
    if contract["capacity"] is not None:
        out.append(line("capacity", "Obligation de capacité", total, "kWh", contract["capacity"]))
    fixed = [line("network", "Composante de gestion", months, "month", contract["gestion"]),
             line("network", "Composante de comptage", months, "month", contract["comptage"]),
             line("network", f"Composante de soutirage - part puissance ({fr.number(weighted, 1)} kVA pondérés)",
                  months, "month", contract["power_price"])]
    out += fixed
    for p, q in kwh.items():
        if q:
            out.append(line("network", f"Composante de soutirage - énergie {p}", q, "kWh", contract["turpe"][p],
                            period=p))
    top = max(contract["powers"].values())
    if max_kva is not None and max_kva > top:
        out.append(line("network", "Composante mensuelle de dépassement de puissance souscrite (CMDPS)",
                        max_kva - top, "kVA", 12.7))
    base = sum((dec(x["amount_excl_tax"]) for x in fixed), Decimal(0))
    parts = rates.split(rates.CTA_ELECTRICITY, start, end)
    for (a, b), part_base in zip(parts, prorate(base, parts, "0.01"), strict=True):
        cta = rates.cta_electricity(b)
        out.append(line("tax", f"Contribution tarifaire d'acheminement ({fr.number(cta * 100, 2)}\xa0% x "
                        f"{_amount_text(part_base)}){part_suffix(parts, a, b, fr.d_slash)}", None, None, None,
                        amount=round_amount(part_base * cta)))
    category = rates.power_category(top)
    label = "PME" if category != "small" else "petits consommateurs"
    parts = rates.split(rates.ACCISE_ELECTRICITY, start, end)
    for (a, b), part_kwh in zip(parts, prorate(total, parts), strict=True):
        out.append(line("tax", f"Accise sur l'électricité (catégorie {label}){part_suffix(parts, a, b, fr.d_slash)}",
                        float(dec(part_kwh) / 1000), "MWh", float(rates.accise_electricity_mwh(b, category))))
    if contract["relief"]:
        out.append(line("other", "Frais de relève spéciale", 1, "unit", 45.0))
    return out


def draw_invoice(contract: dict, month: dt.date, rng: random.Random, document_type: str = "invoice",
                 regularisation: bool = False) -> tuple[dict, dict]:
    """Truth and decoration of the invoice billing `month`; advances the contract's indexes."""
    months = rng.randint(2, 6) if regularisation else 1
    start = add_months(month, 1 - months)
    end = month_end(month)
    kwh = _split(contract, start, end, rng)
    estimated = rng.random() < 0.1
    top = max(contract["powers"].values())
    max_kva = int(round(top * rng.uniform(0.7, 1.12))) if contract["print_max"] else None
    weighted = round(top * rng.uniform(0.93, 1.0), 1)
    readings = advance_readings(contract["indexes"], kwh, estimated=estimated)
    invoice_date = end + dt.timedelta(days=rng.randint(3, 12))
    credit = document_type == "credit_note"
    number = f"AZ{'C' if credit else ''}{invoice_date:%y%m}{rng.randint(1000, 2000):06d}"
    customer = contract["customer"]
    truth = {
        "supplier": "azur", "document_type": "invoice", "invoice_number": number,
        "invoice_date": invoice_date.isoformat(), "due_date": (invoice_date + dt.timedelta(days=30)).isoformat(),
        "customer_account": customer["account"], "customer_name": customer["name"], "energy": "electricity",
        "currency": "EUR", "total_excl_tax": 0, "total_vat": 0, "total_incl_tax": 0,
        "sites": [{
            "meter_id": contract["meter_id"], "site_name": contract["site_name"],
            "site_address": contract["site_address"], "period_start": start.isoformat(),
            "period_end": end.isoformat(), "tariff_option": contract["option"], "subscribed_power_kva": top,
            "max_power_kva": max_kva, "consumption_kwh": sum(kwh.values()), "readings": readings,
            "lines": _lines(contract, start, months, kwh, end, max_kva, weighted), "total_excl_tax": 0,
        }],
    }
    finish_invoice(truth)
    decoration = {"customer_address": customer["address_lines"], "powers": dict(contract["powers"]),
                  "kind": "regularisation" if regularisation else "normal"}
    if credit:
        original = add_months(invoice_date, -1) + dt.timedelta(days=rng.randint(0, 20))
        decoration.update(original_number=f"AZ{original:%y%m}{rng.randint(1000, 2000):06d}",
                          original_date=original.isoformat(), reason=rng.choice(REASONS))
        for p, q in kwh.items():
            contract["indexes"][p] -= q
        truth["sites"][0]["max_power_kva"] = None
        negate(truth)
    return truth, decoration


def credit_note_number(day: dt.date, rng: random.Random) -> str:
    """An Azur credit note number issued on `day`."""
    return f"AZC{day:%y%m}{rng.randint(1000, 2000):06d}"
