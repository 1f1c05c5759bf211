"""The interval a task works on, the same for scheduled runs, reruns, backfills and manual runs.

A scheduled or backfill run has a data interval; a manual run (`airflow dags trigger`, the UI's
Trigger button) may have none (logical date None in Airflow 3): then the `from` / `to` Params are
used, and without them the previous Paris day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class RunInterval:
    """[start, end) in UTC, and the Paris days it covers."""

    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        """First Paris day of the interval."""
        return self.start.astimezone(PARIS).date()

    @property
    def last_day(self) -> date:
        """Last Paris day of the interval (inclusive)."""
        return (self.end.astimezone(PARIS) - timedelta(microseconds=1)).date()

    def days(self) -> list[date]:
        """Every Paris day in the interval."""
        out, day = [], self.first_day
        while day <= self.last_day:
            out.append(day)
            day += timedelta(days=1)
        return out


def paris_midnight(day: date) -> datetime:
    """Midnight of a Paris day, in UTC."""
    return datetime.combine(day, time(0), PARIS).astimezone(UTC)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def run_interval(context: Mapping[str, Any], *, today: date | None = None) -> RunInterval:
    """The interval of the running task: Params `from`/`to` (inclusive days) win, then the data interval."""
    params = context.get("params") or {}
    first, last = _as_date(params.get("from")), _as_date(params.get("to"))
    if first and last:
        if last < first:
            raise ValueError(f"Params: 'to' ({last}) is before 'from' ({first})")
        return RunInterval(paris_midnight(first), paris_midnight(last + timedelta(days=1)))
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is not None and end is not None and end > start:
        return RunInterval(start.astimezone(UTC), end.astimezone(UTC))
    yesterday = (today or datetime.now(PARIS).date()) - timedelta(days=1)
    return RunInterval(paris_midnight(yesterday), paris_midnight(yesterday + timedelta(days=1)))
