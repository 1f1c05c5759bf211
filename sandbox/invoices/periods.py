"""Calendar helpers: months, day counts, month slices of a billing period."""

from __future__ import annotations

import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    """Last day of the month of `day`."""
    return add_months(day, 1) - dt.timedelta(days=1)


def days(start: dt.date, end: dt.date) -> int:
    """Number of days billed from start to end inclusive."""
    return (end - start).days + 1


def month_slices(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Split [start, end] at month boundaries."""
    slices = []
    cursor = start
    while cursor <= end:
        stop = min(month_end(cursor), end)
        slices.append((cursor, stop))
        cursor = stop + dt.timedelta(days=1)
    return slices
