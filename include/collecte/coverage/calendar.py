"""Day and month states, and when a day of data is due from its operator.

A day is *due* once the operator publishes it: Enedis publishes day D from D+1 08:00 Paris time
(we allow until 08:30); GRDF's informative daily gas data is published within three gas days.
Before that a missing day is `not_due`, not `missing`. A day before the meter's history wall
(`meter_status.not_before`) cannot exist at the operator: `not_covered`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class DayState(StrEnum):
    """The coverage of one Paris day for one meter and data kind."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    MISSING = "missing"
    NOT_DUE = "not_due"
    NOT_COVERED = "not_covered"


class MonthState(StrEnum):
    """The coverage of one billing month for one supplier account."""

    PRESENT = "present"
    NEEDS_REVIEW = "needs_review"
    QUARANTINED = "quarantined"
    MISSING = "missing"
    NOT_DUE = "not_due"


@dataclass(frozen=True)
class MeterKind:
    """A data kind shown per meter: which operator serves it and its publication delay."""

    name: str
    operator: str
    label: str
    table: str
    publication_delay: timedelta  # from the END of the day (its next midnight, Paris time)


METER_KINDS: dict[str, MeterKind] = {k.name: k for k in (
    MeterKind("load_curve", "enedis", "Courbe de charge", "load_curve", timedelta(hours=8, minutes=30)),
    MeterKind("daily_energy", "enedis", "Énergie quotidienne", "daily_energy", timedelta(hours=8, minutes=30)),
    MeterKind("max_power", "enedis", "Puissance max.", "max_power", timedelta(hours=8, minutes=30)),
    MeterKind("gas_day", "grdf", "Jours gaz", "gas_consumption", timedelta(days=3)),
)}


def kinds_for(operator: str) -> list[MeterKind]:
    """The data kinds shown for a meter of `operator`."""
    return [k for k in METER_KINDS.values() if k.operator == operator]


def last_due_day(kind: MeterKind, now: datetime) -> date:
    """The last Paris day whose data the operator has published at `now`."""
    local = now.astimezone(PARIS)
    # day D ends at D+1 00:00; it is due at that midnight + the publication delay
    candidate = local.date()
    while datetime.combine(candidate + timedelta(days=1), time(0), PARIS) + kind.publication_delay > local:
        candidate -= timedelta(days=1)
    return candidate


def day_minutes(day: date) -> int:
    """Length of a Paris day in minutes: 1380 on the spring-forward day, 1500 on the fall-back day."""
    # aware datetimes sharing a tzinfo subtract as wall clocks: compare them in UTC
    start = datetime.combine(day, time(0), PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), PARIS).astimezone(UTC)
    return int((end - start).total_seconds() // 60)


def is_dst_change(day: date) -> bool:
    """True on the two Paris days of the year that have 23 or 25 hours."""
    return day_minutes(day) != 1440


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def months_between(first: date, last: date) -> list[str]:
    """Every month (YYYY-MM) from the month of `first` to the month of `last`, inclusive."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
