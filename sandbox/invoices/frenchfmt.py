"""French number and date formatting, as printed by each supplier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sandbox.invoices.money import dec

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


def number(value: float | int | Decimal, decimals: int = 2, thousands: str = "") -> str:
    """Format with a decimal comma and an optional thousands separator ("-1 234,50"); a drifted
    invoice being printed uses its own separator."""
    from sandbox.invoices.drift import active

    if active().thousands is not None:
        thousands = active().thousands
    d = dec(value)
    text = f"{abs(d):,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", thousands)
    return ("-" if d < 0 else "") + text


def iso(value: str) -> dt.date:
    """Parse an ISO date string."""
    return dt.date.fromisoformat(value)


def _drifted(d: dt.date) -> str | None:
    """The date in the format of the drifted invoice being printed, if it changes formats."""
    from sandbox.invoices.drift import active

    fmt = active().date_format
    if fmt is None:
        return None
    return {"long": _long, "iso": dt.date.isoformat, "dot": lambda x: x.strftime("%d.%m.%Y"),
            "slash": lambda x: x.strftime("%d/%m/%Y")}[fmt](d)


def d_slash(value: str | dt.date) -> str:
    """31/12/2026."""
    d = iso(value) if isinstance(value, str) else value
    return _drifted(d) or d.strftime("%d/%m/%Y")


def d_slash_short(value: str | dt.date) -> str:
    """31/12/26."""
    d = iso(value) if isinstance(value, str) else value
    return d.strftime("%d/%m/%y")


def d_dot(value: str | dt.date) -> str:
    """31.12.2026."""
    d = iso(value) if isinstance(value, str) else value
    return _drifted(d) or d.strftime("%d.%m.%Y")


def d_long(value: str | dt.date) -> str:
    """1er mars 2026 / 9 juillet 2026."""
    d = iso(value) if isinstance(value, str) else value
    return _drifted(d) or _long(d)


def _long(d: dt.date) -> str:
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"
