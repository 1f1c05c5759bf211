"""Building invoice lines, site totals and invoice totals (exact decimal arithmetic)."""

from __future__ import annotations

from decimal import Decimal

from sandbox.invoices.money import dec, line_amount, money, round_amount, to_number


def line(category: str, label: str, quantity: float | int | None, unit: str | None,
         unit_price: float | None, *, period: str | None = None, vat: Decimal = Decimal("0.2"),
         amount: Decimal | None = None) -> dict:
    """One truth line; the amount is quantity x unit price rounded, unless given (CTA)."""
    if amount is None:
        amount = line_amount(quantity, unit_price)
    return {"category": category, "label": label, "period": period, "quantity": quantity, "unit": unit,
            "unit_price": unit_price, "amount_excl_tax": money(amount), "vat_rate": float(vat)}


def advance_readings(indexes: dict[str, int], kwh: dict[str, int], *, estimated: bool) -> list[dict]:
    """Electricity readings per period for `kwh`, from the meter's `indexes`, which it advances."""
    readings = []
    for period, quantity in kwh.items():
        first = indexes[period]
        readings.append({"period": period, "index_start": first, "index_end": first + quantity, "unit": "kWh",
                         "conversion_coefficient": None,
                         "reading_type": "estimated" if estimated else "actual", "kwh": quantity})
        indexes[period] = first + quantity
    return readings


def price(value: float, decimals: int) -> float:
    """A unit price as printed with `decimals` decimals."""
    return float(round_amount(dec(value), "1." + "0" * decimals))


def site_total(lines: list[dict]) -> Decimal:
    """Sum of the line amounts."""
    return sum((dec(x["amount_excl_tax"]) for x in lines), Decimal(0))


def vat_breakdown(sites: list[dict]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, base, vat) per VAT rate, highest rate first; VAT rounded per rate."""
    bases: dict[Decimal, Decimal] = {}
    for site in sites:
        for x in site["lines"]:
            rate = dec(x["vat_rate"])
            bases[rate] = bases.get(rate, Decimal(0)) + dec(x["amount_excl_tax"])
    return [(rate, base, round_amount(base * rate)) for rate, base in sorted(bases.items(), reverse=True)]


def finish_invoice(truth: dict) -> dict:
    """Fill site totals and invoice totals (HT, TVA, TTC) from the lines."""
    total = Decimal(0)
    for site in truth["sites"]:
        site["total_excl_tax"] = money(site_total(site["lines"]))
        total += dec(site["total_excl_tax"])
    vat = sum((v for _, _, v in vat_breakdown(truth["sites"])), Decimal(0))
    truth["total_excl_tax"] = money(total)
    truth["total_vat"] = money(vat)
    truth["total_incl_tax"] = money(total + vat)
    return truth


def negate(truth: dict) -> dict:
    """Turn an invoice truth into its credit note: every line and total negated, no readings."""
    truth["document_type"] = "credit_note"
    truth["due_date"] = None
    for site in truth["sites"]:
        site["readings"] = []
        site["consumption_kwh"] = -site["consumption_kwh"]
        for x in site["lines"]:
            if x["quantity"] is not None:
                x["quantity"] = to_number(-dec(x["quantity"]))
            x["amount_excl_tax"] = money(-dec(x["amount_excl_tax"]))
    return finish_invoice(truth)


def prorate(total: int | Decimal, parts: list, places: str | None = None) -> list:
    """`total` shared between date parts in proportion to their days (kWh as integers, euros to the
    cent with `places="0.01"`), the last part taking the rounding remainder so the parts add up."""
    from sandbox.invoices.periods import days

    whole = sum(days(a, b) for a, b in parts)
    out, given = [], Decimal(0)
    for i, (a, b) in enumerate(parts):
        if i == len(parts) - 1:
            share = dec(total) - given
        else:
            raw = dec(total) * days(a, b) / whole
            share = round_amount(raw, places) if places else Decimal(int(round_amount(raw, "1")))
        given += share
        out.append(share if places else int(share))
    return out


def part_suffix(parts: list, a, b, fmt) -> str:
    """' du <a> au <b>' when a tax is split at a rate change, '' otherwise."""
    return f" du {fmt(a)} au {fmt(b)}" if len(parts) > 1 else ""
