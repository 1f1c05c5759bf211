"""Point counts a Paris day must have, and where a load curve is incomplete.

A Paris day lasts 24 hours, 23 on the last Sunday of March and 25 on the last Sunday of October:
48 half-hours normally, 46 and 50 on those days (144/138/150 ten-minute points, 24/23/25 hourly).
A meter can be reprogrammed in the middle of a day (30 → 10 minutes): a day is complete when its
points' intervals cover all of its minutes, whatever their steps, not when it has N points of one step.
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
    """Points found versus expected for one meter, direction and Paris day.

    `interval_minutes` is the finest step seen that day; `covered_minutes` what the points' intervals
    cover; `expected` the points a complete day would have at the steps seen (missing minutes counted
    at the finest step).
    """

    meter_id: str
    direction: str
    day: date
    interval_minutes: int
    found: int
    expected: int
    covered_minutes: int = -1

    @property
    def complete(self) -> bool:
        """Every minute of the Paris day is covered (exactly the expected points for a single step)."""
        covered = self.covered_minutes if self.covered_minutes >= 0 else self.found * self.interval_minutes
        return covered == day_hours(self.day) * 60 and self.found == self.expected


def _day(meter_id: str, direction: str, day: date, found: int, covered: int, finest: int) -> DayCompleteness:
    missing = max(0, day_hours(day) * 60 - covered)
    return DayCompleteness(meter_id, direction, day, finest, found, found + missing // max(1, finest), covered)


def completeness(points: Iterable[tuple[str, str, datetime, int]]) -> list[DayCompleteness]:
    """Per (meter, direction, day): (meter_id, direction, interval_end, interval_minutes) points vs the day."""
    counts: Counter[tuple[str, str, date]] = Counter()
    covered: Counter[tuple[str, str, date]] = Counter()
    finest: dict[tuple[str, str, date], int] = {}
    for meter_id, direction, end, minutes in points:
        key = (meter_id, direction, curve_day(end))
        counts[key] += 1
        covered[key] += minutes
        finest[key] = min(minutes, finest.get(key, minutes))
    return [_day(m, d, day, n, covered[(m, d, day)], finest[(m, d, day)])
            for (m, d, day), n in sorted(counts.items())]


def completeness_sql(conn, meter_id: str, first: date, last: date) -> list[DayCompleteness]:  # noqa: ANN001
    """Completeness of a meter's stored curve over Paris days [first, last], days with no point included."""
    rows = conn.execute(
        "SELECT direction, (interval_end AT TIME ZONE 'Europe/Paris' - interval '1 second')::date AS day,"
        " min(interval_minutes), count(*), sum(interval_minutes) FROM load_curve WHERE meter_id = %s"
        " AND interval_end > %s AND interval_end <= %s GROUP BY 1, 2 ORDER BY 2, 1",
        (meter_id, datetime.combine(first, time(0), PARIS), datetime.combine(last + timedelta(days=1), time(0), PARIS)),
    ).fetchall()
    found = {(direction, day): (minutes, n, int(total)) for direction, day, minutes, n, total in rows}
    directions = sorted({d for d, _ in found}) or ["CONS"]
    steps = {d: next((m for (dd, _), (m, _, _) in found.items() if dd == d), 30) for d in directions}
    out, day = [], first
    while day <= last:
        for direction in directions:
            minutes, n, total = found.get((direction, day), (steps[direction], 0, 0))
            out.append(_day(meter_id, direction, day, n, total, minutes))
        day += timedelta(days=1)
    return out
