"""Point counts a Paris day must have, and where a load curve is incomplete.

A Paris day lasts 24 hours, 23 on the last Sunday of March and 25 on the last Sunday of October:
48 half-hours normally, 46 and 50 on those days (144/138/150 ten-minute points, 24/23/25 hourly).
Plain functions the Great Expectations suites (collecte.quality) and the coverage views can call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def day_hours(day: date) -> int:
    """Length of a Paris day in hours: 23, 24 or 25."""
    start = datetime.combine(day, time(0), PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), PARIS).astimezone(UTC)
    return round((end - start).total_seconds() / 3600)


def expected_points(day: date, interval_minutes: int) -> int:
    """Curve points a complete Paris day holds at this step."""
    return day_hours(day) * 60 // interval_minutes


def curve_day(interval_end: datetime) -> date:
    """The Paris day a curve point belongs to (a point ending at midnight closes the day before)."""
    return (interval_end.astimezone(PARIS) - timedelta(seconds=1)).date()


@dataclass(frozen=True)
class DayCompleteness:
    """Points found versus expected for one meter, direction and Paris day."""

    meter_id: str
    direction: str
    day: date
    interval_minutes: int
    found: int
    expected: int

    @property
    def complete(self) -> bool:
        """Exactly the expected number of points."""
        return self.found == self.expected


def completeness(points: Iterable[tuple[str, str, datetime, int]]) -> list[DayCompleteness]:
    """Per (meter, direction, day): count of (meter_id, direction, interval_end, interval_minutes) points."""
    counts: Counter[tuple[str, str, date, int]] = Counter()
    for meter_id, direction, end, minutes in points:
        counts[(meter_id, direction, curve_day(end), minutes)] += 1
    return [DayCompleteness(m, d, day, step, n, expected_points(day, step))
            for (m, d, day, step), n in sorted(counts.items())]


def completeness_sql(conn, meter_id: str, first: date, last: date) -> list[DayCompleteness]:  # noqa: ANN001
    """Completeness of a meter's stored curve over Paris days [first, last], days with no point included."""
    rows = conn.execute(
        "SELECT direction, (interval_end AT TIME ZONE 'Europe/Paris' - interval '1 second')::date AS day,"
        " interval_minutes, count(*) FROM load_curve WHERE meter_id = %s"
        " AND interval_end > %s AND interval_end <= %s GROUP BY 1, 2, 3 ORDER BY 2, 1",
        (meter_id, datetime.combine(first, time(0), PARIS), datetime.combine(last + timedelta(days=1), time(0), PARIS)),
    ).fetchall()
    found = {(direction, day): (minutes, n) for direction, day, minutes, n in rows}
    directions = sorted({d for d, _ in found}) or ["CONS"]
    steps = {d: next((m for (dd, _), (m, _) in found.items() if dd == d), 30) for d in directions}
    out, day = [], first
    while day <= last:
        for direction in directions:
            minutes, n = found.get((direction, day), (steps[direction], 0))
            out.append(DayCompleteness(meter_id, direction, day, minutes, n, expected_points(day, minutes)))
        day += timedelta(days=1)
    return out
