"""Consumption profiles: how much a site uses per day in a given month."""

from __future__ import annotations

import datetime as dt
import random

# Relative daily consumption by month (heating in winter).
_MONTH_FACTOR = [1.35, 1.3, 1.15, 1.0, 0.85, 0.8, 0.75, 0.7, 0.85, 1.0, 1.2, 1.35]
_GAS_FACTOR = [2.2, 2.0, 1.6, 1.1, 0.6, 0.3, 0.2, 0.2, 0.4, 0.9, 1.6, 2.1]


def daily_factor(day: dt.date, gas: bool = False) -> float:
    """Seasonal factor for the month of `day`."""
    return (_GAS_FACTOR if gas else _MONTH_FACTOR)[day.month - 1]


def energy_over(start: dt.date, end: dt.date, per_day: float, rng: random.Random, gas: bool = False) -> int:
    """Energy used over [start, end] for a site using `per_day` on an average day."""
    total = 0.0
    day = start
    while day <= end:
        total += per_day * daily_factor(day, gas)
        day += dt.timedelta(days=1)
    return max(0, int(round(total * rng.uniform(0.85, 1.15))))


def is_winter(day: dt.date) -> bool:
    """Tariff winter (Nov-Mar) for 4-period options."""
    return day.month in (11, 12, 1, 2, 3)
