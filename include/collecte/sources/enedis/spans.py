"""Cutting a span of Paris days into Data Connect calls within each endpoint's limits.

Curves: at most 7 days per call, 24 months + 15 days of history; daily data (energy, max power,
indexes): 36 months + 15 days, asked a year per call here. The end date is excluded and must not
be after today. Chunks are returned newest first, so paging back stops at a history wall.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

CURVE_RESOURCES = ("courbe_de_charge_consommation", "courbe_de_charge_production")
MAX_DAYS = {"curve": 7, "daily": 365}
HISTORY_MONTHS = {"curve": 24, "daily": 36}


def family(resource: str) -> str:
    """'curve' or 'daily' (the limits differ)."""
    return "curve" if resource in CURVE_RESOURCES else "daily"


def months_back(day: date, months: int) -> date:
    """The same day `months` earlier; on the 29th-31st of a longer month, the LATEST reading a server may
    make of it: the days past the end of the shorter month run over into the next (31 March - 1 month =
    3 March), never earlier than the end-of-month clamp (28 or 29 February) a Java server would use.
    Clamping to the 28th instead asked up to three days before Enedis's limit (ADAM-DC-0016)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if day.day <= last:
        return date(year, month, day.day)
    return date(year, month, last) + timedelta(days=day.day - last)


def history_start(resource: str, today: date) -> date:
    """First day Data Connect still serves for this resource: `months` months and 15 days back, one day of margin."""
    return months_back(today, HISTORY_MONTHS[family(resource)]) - timedelta(days=14)


def plan_calls(resource: str, first: date, last: date, *, today: date,
               not_before: date | None = None) -> list[tuple[date, date]]:
    """[(first, end_excluded)] calls covering Paris days [first, last], newest first, within limits."""
    start = max(first, history_start(resource, today), not_before or first)
    stop = min(last + timedelta(days=1), today)
    size = MAX_DAYS[family(resource)]
    calls = []
    while start < stop:
        end = min(start + timedelta(days=size), stop)
        calls.append((start, end))
        start = end
    return calls[::-1]
