"""Euro arithmetic with the rounding suppliers print (half away from zero, 2 decimals)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def dec(value: float | int | str | Decimal) -> Decimal:
    """Exact decimal of a printed value (floats go through their shortest repr)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_amount(value: Decimal, places: str = "0.01") -> Decimal:
    """Round half away from zero, as billing systems do."""
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def line_amount(quantity: float | int, unit_price: float) -> Decimal:
    """Amount of a line: quantity x unit price rounded to the cent (sign of the quantity kept)."""
    return round_amount(dec(quantity) * dec(unit_price))


def to_number(value: Decimal) -> float | int:
    """JSON number of a decimal: int when integral, float otherwise."""
    if value == value.to_integral_value():
        return int(value)
    return float(value) + 0.0


def money(value: Decimal) -> float:
    """JSON number of an amount in euros (never -0.0)."""
    return float(round_amount(value)) + 0.0
