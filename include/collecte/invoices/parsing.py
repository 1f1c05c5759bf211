"""Numbers, dates and codes as French invoices print them.

"1 234,56 €", "22 574,48", "-25,540 MWh", "0,18375 €/kWh", "20,0 %"; dates "12 mars 2026",
"1er juillet 2026", "09/08/2026", "08.09.2026", "10/07/26".
"""

from __future__ import annotations

import re
from datetime import date, datetime

_SPACES = " \u00a0\u202f\u2009\u2007"
_NUMBER_RE = re.compile(r"[-\u2212]?\s?\d[\d \u00a0\u202f\u2009\u2007.]*(?:,\d+)?")
_NUMBER_DOT_RE = re.compile(r"[-\u2212]?\s?\d[\d \u00a0\u202f\u2009\u2007,]*(?:\.\d+)?")
_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
_LONG_DATE_RE = re.compile(r"(\d{1,2})(?:er)?\s+([a-zéûA-ZÉÛ]+)\s+(\d{4})")
_FORMAT_RES = {
    "%d/%m/%Y": re.compile(r"\b\d{2}/\d{2}/\d{4}\b"),
    "%d.%m.%Y": re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b"),
    "%d/%m/%y": re.compile(r"\b\d{2}/\d{2}/\d{2}\b(?!/)"),
    "%d-%m-%Y": re.compile(r"\b\d{2}-\d{2}-\d{4}\b"),
    "%Y-%m-%d": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
}


ALL_FORMATS = ("fr_long", *_FORMAT_RES)


def parse_number(text: str | None, decimal: str = ",") -> int | float | None:
    """Parse the first number of a formatted string ("1 234,56 €", "-25,540 MWh", "0,18375 €/kWh").

    Spaces (also no-break and narrow no-break) group thousands; ``decimal`` is the decimal
    separator ("," for French invoices, "." otherwise, the other sign then grouping thousands).
    A number printed without decimals stays an ``int``. None when the text holds no number.
    """
    if text is None:
        return None
    m = (_NUMBER_RE if decimal == "," else _NUMBER_DOT_RE).search(text)
    if not m:
        return None
    raw = m.group(0).strip()
    neg = raw.startswith(("-", "\u2212"))
    digits = raw.lstrip("-\u2212").strip()
    for sp in _SPACES:
        digits = digits.replace(sp, "")
    group = "." if decimal == "," else ","
    if decimal in digits:
        value: int | float = float(digits.replace(group, "").replace(decimal, "."))
    elif decimal == "," and digits.count(".") == 1 and len(digits.split(".")[1]) != 3:
        value = float(digits)
    else:
        value = int(digits.replace(group, ""))
    return -value if neg else value


def parse_percent(text: str | None, decimal: str = ",") -> float | None:
    """'20 %' → 0.2, '5,5 %' → 0.055 (a fraction, rounded to 6 places)."""
    n = parse_number(text, decimal)
    return None if n is None else round(n / 100, 6)


def find_dates(text: str, formats: list[str]) -> list[date]:
    """Every date found in ``text``, in order ("fr_long" for '1er mars 2026').

    The template's formats come first; every other format French invoices use is tried too (a
    supplier changes its date format without notice; dd/mm order is never ambiguous here).
    """
    found: list[tuple[int, date]] = []
    for fmt in [*formats, *(f for f in ALL_FORMATS if f not in formats)]:
        if fmt == "fr_long":
            for m in _LONG_DATE_RE.finditer(text):
                month = _MONTHS.get(m.group(2).lower())
                if month:
                    try:
                        found.append((m.start(), date(int(m.group(3)), month, int(m.group(1)))))
                    except ValueError:
                        continue
            continue
        rx = _FORMAT_RES.get(fmt)
        if rx is None:
            raise ValueError(f"unknown date format {fmt!r}")
        for m in rx.finditer(text):
            try:
                found.append((m.start(), datetime.strptime(m.group(0), fmt).date()))
            except ValueError:
                continue
    found.sort(key=lambda t: t[0])
    seen: set[int] = set()
    out: list[date] = []
    for pos, d in found:
        if pos not in seen:
            seen.add(pos)
            out.append(d)
    return out


def normalize_id(text: str) -> str:
    """An identifier without spaces (a PRM printed in groups of four becomes 14 digits)."""
    return re.sub(r"[\s\u00a0\u202f]+", "", text)


def squash(text: str) -> str:
    """Collapse runs of spaces to one (keeps no-break spaces as they are)."""
    return re.sub(r" {2,}", " ", text).strip()
