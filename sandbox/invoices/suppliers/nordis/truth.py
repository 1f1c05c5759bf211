"""Draw Nordis multi-site invoice truths (and the decoration their layout needs) from a contract."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sandbox.invoices import frenchfmt as fr
from sandbox.invoices import identities, rates
from sandbox.invoices.lines import advance_readings, finish_invoice, line, negate, part_suffix, price, prorate
from sandbox.invoices.money import dec, round_amount
from sandbox.invoices.periods import add_months, days, month_end
from sandbox.invoices.seasons import energy_over, is_winter

PERIODS = {"4P": ["HPH", "HCH", "HPB", "HCB"], "5P": ["P", "HPH", "HCH", "HPB", "HCB"]}
NAMES = {"P": "Pointe", "HPH": "Heures pleines hiver", "HCH": "Heures creuses hiver",
         "HPB": "Heures pleines été", "HCB": "Heures creuses été"}
FIXED = {"4P": (0.5967, 0.7762), "5P": (0.8652, 1.3904)}


def _site(rng: random.Random, option: str, meter_id: str | None) -> dict:
    if option == "5P":
        top = rng.randrange(300, 1000, 10)
        powers = sorted(top - rng.choice([0, 0, 50, 100]) for _ in range(5))
    else:
        top = rng.randrange(60, 250, 6)
        powers = sorted(max(42, top - rng.choice([0, 0, 6, 12, 24, 36])) for _ in range(4))
    powers = dict(zip(PERIODS[option], powers, strict=True))
    top = max(powers.values())
    return {
        "meter_id": meter_id or identities.prm(rng), "option": option, "powers": powers,
        "name": None if rng.random() < 0.05 else identities.site_name(rng, 0.12),
        "address": identities.site_address(rng, 0.2),
        "indexes": {p: rng.randint(100000, 9000000) for p in PERIODS[option]},
        "per_day": top * rng.uniform(3, 8), "print_max": option == "5P" or rng.random() < 0.15,
        "sub": price(rng.uniform(1.3, 3.4), 4), "power_price": price(top * rng.uniform(0.035, 0.045), 4),
        "energy": {p: price(rng.uniform(0.10, 0.22) * (1.15 if p in ("P", "HPH") else 1.0), 5)
                   for p in PERIODS[option]},
        "turpe": {p: price(rng.uniform(0.008, 0.055), 5) for p in PERIODS[option]},
        "capacity": price(rng.uniform(0.0018, 0.0038), 5), "green": price(rng.uniform(0.001, 0.0015), 5)
        if rng.random() < 0.3 else None, "reactive": option == "5P" and rng.random() < 0.7,
    }


def new_contract(rng: random.Random, options: dict) -> dict:
    """A Nordis contract: a customer group with 2-40 sites (4P or 5P), running indexes."""
    meter_ids = list(options.get("meter_ids") or [])
    n_sites = int(options.get("n_sites") or len(meter_ids) or rng.choice([2, 3, 4, 5, 6, 8, 12, 15, 20, 30, 40]))
    n_sites = max(2, min(40, n_sites))
    customer = identities.complete_customer(rng, options.get("customer"), 0.15)
    customer.setdefault("account", f"NC{rng.randint(10**7, 10**8 - 1)}")
    forced = options.get("tariff_option")
    sites = [_site(rng, forced or ("5P" if rng.random() < 0.2 else "4P"),
                   meter_ids[i] if i < len(meter_ids) else None) for i in range(n_sites)]
    return {"customer": customer, "sites": sites, "due_days": rng.choice([30, 45])}


def _kwh(site: dict, start: dt.date, end: dt.date, rng: random.Random) -> dict[str, int]:
    kwh = dict.fromkeys(PERIODS[site["option"]], 0)
    cursor = start
    while cursor <= end:
        stop = min(month_end(cursor), end)
        total = energy_over(cursor, stop, site["per_day"], rng)
        if is_winter(cursor):
            peak = int(total * 0.04) if "P" in kwh and cursor.month in (12, 1, 2) else 0
            hp = int(round((total - peak) * rng.uniform(0.55, 0.65)))
            kwh["HPH"] += hp
            kwh["HCH"] += total - peak - hp
            if peak:
                kwh["P"] += peak
        else:
            hp = int(round(total * rng.uniform(0.6, 0.72)))
            kwh["HPB"] += hp
            kwh["HCB"] += total - hp
        cursor = stop + dt.timedelta(days=1)
    return kwh


def _lines(site: dict, start: dt.date, end: dt.date, kwh: dict[str, int], max_kva: int | None,
           rng: random.Random) -> list[dict]:
    n = days(start, end)
    total = sum(kwh.values())
    out = [line("subscription", "Part fixe fourniture", n, "day", site["sub"])]
    out += [line("energy", f"Énergie active - {NAMES[p]}", q, "kWh", site["energy"][p], period=p)
            for p, q in kwh.items() if q]
    out.append(line("capacity", "Mécanisme de capacité", total, "kWh", site["capacity"]))
    if site["green"] is not None:
        out.append(line("other", "Option verte - garanties d'origine", total, "kWh", site["green"]))
    gestion, comptage = FIXED[site["option"]]
    fixed = [line("network", "TURPE - composante de gestion", n, "day", gestion),
             line("network", "TURPE - composante de comptage", n, "day", comptage),
             line("network", "TURPE - soutirage, part puissance", n, "day", site["power_price"])]
    out += fixed
    out += [line("network", f"TURPE - soutirage, part énergie {p}", q, "kWh", site["turpe"][p], period=p)
            for p, q in kwh.items() if q]
    top = max(site["powers"].values())
    if max_kva is not None and max_kva > top:
        out.append(line("network", "TURPE - dépassements de puissance", max_kva - top, "kVA", 11.27))
    if site["reactive"]:
        out.append(line("network", "TURPE - énergie réactive", int(total * rng.uniform(0.05, 0.13)), "kvarh",
                        price(rng.uniform(0.015, 0.023), 5)))
    base = sum((dec(x["amount_excl_tax"]) for x in fixed), Decimal(0))
    parts = rates.split(rates.CTA_ELECTRICITY, start, end)
    for (a, b), part_base in zip(parts, prorate(base, parts, "0.01"), strict=True):
        cta = rates.cta_electricity(b)
        out.append(line("tax", f"Contribution tarifaire d'acheminement ({fr.number(cta * 100, 2)}\xa0% de "
                        f"{fr.number(part_base, 2, ' ')} €){part_suffix(parts, a, b, fr.d_dot)}", None, None, None,
                        amount=round_amount(part_base * cta)))
    category = rates.power_category(top)
    label = "(> 250 kVA)" if category == "large" else "(36 à 250 kVA)"
    parts = rates.split(rates.ACCISE_ELECTRICITY, start, end)
    for (a, b), part_kwh in zip(parts, prorate(total, parts), strict=True):
        out.append(line("tax", f"Accise sur l'électricité {label}{part_suffix(parts, a, b, fr.d_dot)}",
                        float(dec(part_kwh) / 1000), "MWh", float(rates.accise_electricity_mwh(b, category))))
    return out


def _site_period(rng: random.Random, month: dt.date) -> tuple[dt.date, dt.date]:
    end = month_end(month)
    draw = rng.random()
    if draw < 0.05:
        return add_months(month, -rng.randint(2, 5)), end
    if draw < 0.12:
        return month + dt.timedelta(days=rng.randint(5, 24)), end
    return month, end


def draw_invoice(contract: dict, month: dt.date, rng: random.Random, document_type: str = "invoice",
                 regularisation: bool = False) -> tuple[dict, dict]:
    """Truth and decoration of the multi-site invoice for `month`; advances every site's indexes."""
    invoice_date = month_end(month) + dt.timedelta(days=rng.randint(3, 12))
    credit = document_type == "credit_note"
    sites, powers, advances = [], [], []
    for site in contract["sites"]:
        if regularisation:
            start, end = add_months(month, -5), month_end(month)
        elif contract.get("steady"):
            start, end = month, month_end(month)
        else:
            start, end = _site_period(rng, month)
        kwh = _kwh(site, start, end, rng)
        top = max(site["powers"].values())
        max_kva = int(round(top * rng.uniform(0.75, 1.06))) if site["print_max"] else None
        estimated = rng.random() < 0.15
        readings = advance_readings(site["indexes"], kwh, estimated=estimated)
        advances.extend((site, p, q) for p, q in kwh.items())
        sites.append({"meter_id": site["meter_id"], "site_name": site["name"], "site_address": site["address"],
                      "period_start": start.isoformat(), "period_end": end.isoformat(),
                      "tariff_option": site["option"], "subscribed_power_kva": top, "max_power_kva": max_kva,
                      "consumption_kwh": sum(kwh.values()), "readings": readings,
                      "lines": _lines(site, start, end, kwh, max_kva, rng), "total_excl_tax": 0})
        powers.append(dict(site["powers"]))
    number = f"NRD-{'AV-' if credit else ''}{invoice_date.year}-{rng.randint(1, 999999):07d}"
    customer = contract["customer"]
    truth = {
        "supplier": "nordis", "document_type": "invoice", "invoice_number": number,
        "invoice_date": invoice_date.isoformat(),
        "due_date": (invoice_date + dt.timedelta(days=contract["due_days"])).isoformat(),
        "customer_account": customer["account"], "customer_name": customer["name"], "energy": "electricity",
        "currency": "EUR", "total_excl_tax": 0, "total_vat": 0, "total_incl_tax": 0, "sites": sites,
    }
    finish_invoice(truth)
    decoration = {"customer_address": customer["address_lines"], "siret": customer.get("siret"),
                  "powers": powers, "consumption_month": month.strftime("%m.%Y")}
    if credit:
        original = invoice_date - dt.timedelta(days=rng.randint(10, 30))
        decoration.update(original_number=f"NRD-{original.year}-{rng.randint(1, 999999):07d}",
                          original_date=original.isoformat())
        for site, p, q in advances:
            site["indexes"][p] -= q
        for s in truth["sites"]:
            s["max_power_kva"] = None
        negate(truth)
    return truth, decoration


def credit_note_number(day: dt.date, rng: random.Random) -> str:
    """A Nordis credit note number issued on `day`."""
    return f"NRD-AV-{day.year}-{rng.randint(1, 999999):07d}"
