"""Draw Volta invoice truths (and the decoration their layout needs) from a contract."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sandbox.invoices import frenchfmt as fr
from sandbox.invoices import identities, rates
from sandbox.invoices.lines import advance_readings, finish_invoice, line, negate, part_suffix, price, prorate
from sandbox.invoices.money import dec, round_amount
from sandbox.invoices.periods import add_months, days, month_end, month_slices
from sandbox.invoices.seasons import energy_over

PERIOD_NAMES = {"BASE": "Base", "HP": "Heures pleines", "HC": "Heures creuses"}
POWERS = [6, 9, 12, 15, 18, 24, 30, 36]
REASONS = ["erreur de tarif appliqué", "index erroné", "résiliation anticipée", "double facturation"]


def new_contract(rng: random.Random, options: dict) -> dict:
    """A Volta contract: customer, one site, meter, prices, running indexes."""
    option = options.get("tariff_option") or rng.choice(["BASE", "HPHC"])
    power = rng.choice(POWERS)
    customer = identities.complete_customer(rng, options.get("customer"), 0.1)
    customer.setdefault("account", str(rng.randint(10**9, 10**10 - 1)))
    meter_ids = options.get("meter_ids") or [identities.prm(rng)]
    periods = ["BASE"] if option == "BASE" else ["HP", "HC"]
    return {
        "customer": customer, "meter_id": meter_ids[0], "option": option, "power": power,
        "site_name": None if rng.random() < 0.1 else identities.site_name(rng, 0.08),
        "site_address": identities.site_address(rng, 0.15),
        "print_account": rng.random() < 0.85,
        "indexes": {p: rng.randint(1000, 90000) for p in periods},
        "per_day": power * rng.uniform(1.2, 3.5),
        "hp_share": rng.uniform(0.55, 0.72),
        "offset": rng.randint(0, 12),
        "sub_price": price(0.03 * power + rng.uniform(0.15, 0.4), 4),
        "turpe_fixed": price(rng.uniform(0.44, 0.56), 4),
        "energy": {"BASE": price(rng.uniform(0.16, 0.2), 5), "HP": price(rng.uniform(0.18, 0.21), 5),
                   "HC": price(rng.uniform(0.14, 0.16), 5)},
        "turpe_var": {"BASE": price(rng.uniform(0.04, 0.046), 5), "HP": price(rng.uniform(0.05, 0.055), 5),
                      "HC": price(rng.uniform(0.03, 0.037), 5)},
        "capacity": price(rng.uniform(0.0015, 0.0026), 5) if rng.random() < 0.6 else None,
        "paper": rng.random() < 0.25,
        "iban4": f"{rng.randint(0, 9999):04d}",
        "due_days": rng.choice([15, 30]),
        "history": [],
    }


def billing_period(contract: dict, month: dt.date) -> tuple[dt.date, dt.date]:
    """Reading dates: from the previous month's reading day to the day before this month's."""
    start = add_months(month, -1) + dt.timedelta(days=contract["offset"])
    end = month + dt.timedelta(days=contract["offset"] - 1)
    return start, end


def _consumption(contract: dict, start: dt.date, end: dt.date, rng: random.Random) -> dict[str, int]:
    total = energy_over(start, end, contract["per_day"], rng)
    if contract["option"] == "BASE":
        return {"BASE": total}
    hp = int(round(total * contract["hp_share"]))
    return {"HP": hp, "HC": total - hp}


def _lines(contract: dict, start: dt.date, end: dt.date, kwh: dict[str, int], invoice_date: dt.date,
           regularisation: bool) -> list[dict]:
    option_label = "Base" if contract["option"] == "BASE" else "HP/HC"
    reduced = rates.reduced_vat_applies(invoice_date, True)
    fixed_vat = rates.VAT_REDUCED if reduced else rates.VAT_NORMAL
    slices = month_slices(start, end) if regularisation else [(start, end)]
    total = sum(kwh.values())
    out = [line("subscription", f"Abonnement {option_label} {contract['power']} kVA", days(a, b), "day",
                contract["sub_price"], vat=fixed_vat) for a, b in slices]
    for p, q in kwh.items():
        out.append(line("energy", f"Électricité consommée - {PERIOD_NAMES[p]}", q, "kWh",
                        contract["energy"][p], period=p))
    if contract["capacity"] is not None:
        out.append(line("capacity", "Garantie de capacité", total, "kWh", contract["capacity"]))
    fixed = [line("network", "Acheminement (TURPE) - part fixe", days(a, b), "day", contract["turpe_fixed"],
                  vat=fixed_vat) for a, b in slices]
    out += fixed
    for p, q in kwh.items():
        out.append(line("network", f"Acheminement (TURPE) - part variable {PERIOD_NAMES[p]}", q, "kWh",
                        contract["turpe_var"][p], period=p))
    base = sum((dec(x["amount_excl_tax"]) for x in fixed), Decimal(0))
    parts = rates.split(rates.CTA_ELECTRICITY, start, end)
    for (a, b), part_base in zip(parts, prorate(base, parts, "0.01"), strict=True):
        cta_rate = rates.cta_electricity(b)
        rate_text = f"{cta_rate * 100:.2f}".replace(".", ",")
        out.append(line("tax", f"Contribution tarifaire d'acheminement (CTA) {rate_text}\xa0% de la part fixe "
                        f"acheminement{part_suffix(parts, a, b, fr.d_slash)}", None, None, None, vat=fixed_vat,
                        amount=round_amount(part_base * cta_rate)))
    parts = rates.split(rates.ACCISE_ELECTRICITY, start, end)
    for (a, b), part_kwh in zip(parts, prorate(total, parts), strict=True):
        accise = float(rates.accise_electricity_mwh(b, "small") / 1000)
        out.append(line("tax", f"Accise sur l'électricité{part_suffix(parts, a, b, fr.d_slash)}", part_kwh, "kWh",
                        accise))
    if contract["paper"]:
        out.append(line("other", "Frais d'envoi de la facture papier", 1, "unit", 2.5))
    return out


def _past_months(contract: dict, month: dt.date, rng: random.Random) -> list[tuple[str, int, bool]]:
    """A plausible printed consumption history (latest first) for a contract drawn without one."""
    out = []
    for back in range(1, 13):
        start = add_months(month, -back)
        used = energy_over(start, month_end(start), contract["per_day"], rng)
        out.append((start.strftime("%m/%Y"), used, rng.random() < 0.1))
    return out


def draw_invoice(contract: dict, month: dt.date, rng: random.Random, document_type: str = "invoice",
                 regularisation: bool = False) -> tuple[dict, dict]:
    """Truth and decoration of the invoice billing `month`; advances the contract's indexes."""
    start, end = billing_period(contract, month)
    if regularisation:
        start = add_months(month, -12) + dt.timedelta(days=contract["offset"])
    kwh = _consumption(contract, start, end, rng)
    estimated = rng.random() < 0.15 and not regularisation
    readings = advance_readings(contract["indexes"], kwh, estimated=estimated)
    invoice_date = end + dt.timedelta(days=rng.randint(1, 6))
    year = invoice_date.year
    credit = document_type == "credit_note"
    number = f"{'AV' if credit else 'FV'}-{year}-{rng.randint(1000, 999999):06d}"
    customer = contract["customer"]
    truth = {
        "supplier": "volta", "document_type": "invoice", "invoice_number": number,
        "invoice_date": invoice_date.isoformat(),
        "due_date": (invoice_date + dt.timedelta(days=contract["due_days"])).isoformat(),
        "customer_account": customer["account"] if contract["print_account"] or credit else None,
        "customer_name": customer["name"], "energy": "electricity", "currency": "EUR",
        "total_excl_tax": 0, "total_vat": 0, "total_incl_tax": 0,
        "sites": [{
            "meter_id": contract["meter_id"], "site_name": contract["site_name"],
            "site_address": contract["site_address"], "period_start": start.isoformat(),
            "period_end": end.isoformat(), "tariff_option": contract["option"],
            "subscribed_power_kva": contract["power"], "max_power_kva": None,
            "consumption_kwh": sum(kwh.values()), "readings": readings,
            "lines": _lines(contract, start, end, kwh, invoice_date, regularisation), "total_excl_tax": 0,
        }],
    }
    finish_invoice(truth)
    history = list(reversed(contract["history"][-12:]))
    if not contract["history"] and not contract.get("steady"):
        history = _past_months(contract, month, rng)
    contract["history"].append((end.strftime("%m/%Y"), sum(kwh.values()), estimated))
    decoration = {"customer_address": customer["address_lines"], "iban4": contract["iban4"],
                  "kind": "regularisation" if regularisation else "normal",
                  "history": history if len(history) >= 6 and rng.random() < 0.6 else None}
    if regularisation:
        ttc = dec(truth["total_incl_tax"])
        count = 12
        decoration["deposits"] = (count, float(round_amount(ttc * dec(rng.uniform(0.6, 0.95)) / count)))
    if credit:
        decoration.update(original_number=f"FV-{year}-{rng.randint(1000, 999999):06d}",
                          original_date=(invoice_date - dt.timedelta(days=rng.randint(20, 60))).isoformat(),
                          reason=rng.choice(REASONS))
        for p, q in kwh.items():
            contract["indexes"][p] -= q
        contract["history"].pop()
        negate(truth)
    return truth, decoration


def credit_note_number(day: dt.date, rng: random.Random) -> str:
    """A Volta credit note number issued on `day`."""
    return f"AV-{day.year}-{rng.randint(1000, 999999):06d}"
