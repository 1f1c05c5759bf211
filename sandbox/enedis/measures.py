"""Deterministic, realistic measures of a sandbox delivery point.

Every value is a pure function of (PRM, instant): asking for a week or for each of its days gives
the same points, and a rerun gets the same bytes. Load curves follow a daily shape (morning and
evening peaks for homes, office hours for businesses, a solar bell for producers), a weekly
pattern and a seasonal one (winter heating), with seeded noise. Days are Europe/Paris days, so
the last Sunday of March has 23 hours (46 half-hours) and the last Sunday of October 25 (50).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sandbox.enedis.meters import MeterProfile

PARIS = ZoneInfo("Europe/Paris")
POWER_FACTOR = 0.93
OFF_PEAK = ((22, 24), (0, 6))  # HC 22:00-06:00
_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    """splitmix64: a fast, well-spread integer hash."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _unit(seed: int, key: int) -> float:
    """A uniform number in [0, 1) from (seed, key)."""
    return _mix(seed ^ _mix(key)) / 2**64


def paris_midnight(day: date) -> datetime:
    """Midnight of a Paris day, in UTC."""
    return datetime.combine(day, time(0), PARIS).astimezone(UTC)


def is_gap_day(meter: MeterProfile, day: date) -> bool:
    """Whether this meter has no data at all on `day` (the gaps behaviour)."""
    return meter.gap_weekday is not None and day.isoweekday() == meter.gap_weekday \
        and day.isocalendar().week % 2 == 1


def _shape(meter: MeterProfile, local: datetime, direction: str | None = None) -> float:
    hour = local.hour + local.minute / 60
    doy = local.timetuple().tm_yday
    if direction == "PROD" or (direction is None and meter.produces and not meter.consumes):
        season = 0.55 + 0.45 * math.cos(2 * math.pi * (doy - 172) / 365.25)
        daylight = 4.5 + 3.5 * season
        bell = max(0.0, math.cos(math.pi * (hour - 13.5) / (2 * daylight)))
        return 1.8 * season * bell ** 1.5
    season = 1 + 0.35 * math.cos(2 * math.pi * (doy - 15) / 365.25)
    weekend = local.isoweekday() >= 6
    if meter.business:
        working = 7 <= hour < 19 and not weekend
        return season * (1.6 if working else 0.35)
    daily = (0.55 + 0.5 * math.exp(-((hour - 8) ** 2) / 2) + 0.9 * math.exp(-((hour - 20) ** 2) / 4))
    return season * daily * (1.12 if weekend else 1.0)


def power_w(meter: MeterProfile, end_utc: datetime, step_minutes: int, direction: str | None = None) -> int:
    """Average power (W) over the interval ending at `end_utc`."""
    middle = (end_utc - timedelta(minutes=step_minutes / 2)).astimezone(PARIS)
    noise = 0.85 + 0.3 * _unit(meter.seed ^ (7 if direction == "PROD" else 0), int(end_utc.timestamp()) // 60)
    base = meter.base_w * (3 if direction == "PROD" and meter.consumes else 1)
    return max(0, round(base * _shape(meter, middle, direction) * noise))


@dataclass(frozen=True)
class CurvePoint:
    """One curve point: end of the interval (UTC), average power, and the step it covers."""

    end: datetime
    power_w: int
    step: int = 30


@functools.lru_cache(maxsize=8192)
def day_curve(meter: MeterProfile, day: date, step_minutes: int | None = None,
              direction: str | None = None) -> tuple[CurvePoint, ...]:
    """Every curve point of a Paris day (none on a gap day): 48 half-hours, 46 or 50 on DST days.

    The step is the meter's at each interval's start, so a reprogrammed meter changes step inside a day.
    """
    if is_gap_day(meter, day):
        return ()
    start, end = paris_midnight(day), paris_midnight(day + timedelta(days=1))
    points, moment = [], start
    while moment < end:
        step = step_minutes or meter.step_at(moment)
        moment += timedelta(minutes=step)
        points.append(CurvePoint(moment, power_w(meter, moment, step, direction), step))
    return tuple(points)


def day_energy_wh(meter: MeterProfile, day: date, direction: str | None = None) -> int | None:
    """Energy of a Paris day (Wh), the integral of its curve (W x minutes / 60); None on a gap day."""
    points = day_curve(meter, day, None, direction)
    if not points:
        return None
    return round(sum(p.power_w * p.step for p in points) / 60)


def day_max_power(meter: MeterProfile, day: date) -> tuple[int, datetime] | None:
    """Maximum apparent power of a Paris day (VA) and the instant it was reached (inside the day)."""
    points = day_curve(meter, day)
    if not points:
        return None
    top = max(points, key=lambda p: (p.power_w, -p.end.timestamp()))
    start = top.end - timedelta(minutes=top.step)
    offset = int(_unit(meter.seed, int(start.timestamp())) * top.step * 60)  # the peak, somewhere in the interval
    return round(top.power_w / POWER_FACTOR), start + timedelta(seconds=offset)


def time_classes(meter: MeterProfile) -> list[str]:
    """Time-of-use classes of the meter's index registers."""
    if meter.tariff_option == "BASE":
        return ["BASE"]
    if meter.tariff_option == "4 classes":
        return ["HPH", "HCH", "HPB", "HCB"]
    return ["HP", "HC"]


def time_class(meter: MeterProfile, end_utc: datetime, step_minutes: int) -> str:
    """The class an interval's energy is counted in."""
    classes = time_classes(meter)
    if classes == ["BASE"]:
        return "BASE"
    local = (end_utc - timedelta(minutes=step_minutes / 2)).astimezone(PARIS)
    off_peak = any(lo <= local.hour < hi for lo, hi in OFF_PEAK)
    if len(classes) == 2:
        return "HC" if off_peak else "HP"
    winter = local.month in (11, 12, 1, 2, 3)
    return ("HC" if off_peak else "HP") + ("H" if winter else "B")


@functools.lru_cache(maxsize=65536)
def day_energy_by_class(meter: MeterProfile, day: date) -> tuple[tuple[str, int], ...]:
    """Energy of a Paris day per time class (Wh), as the registers count it (hourly resolution);
    counted on gap days too (the meter keeps counting when it does not communicate)."""
    totals = dict.fromkeys(time_classes(meter), 0.0)
    start, end = paris_midnight(day), paris_midnight(day + timedelta(days=1))
    moment = start + timedelta(hours=1)
    while moment <= end:
        totals[time_class(meter, moment, 60)] += power_w(meter, moment, 60)
        moment += timedelta(hours=1)
    return tuple((k, round(v)) for k, v in totals.items())


INDEX_EPOCH = date(2023, 1, 1)


@functools.lru_cache(maxsize=4096)
def index_at(meter: MeterProfile, day: date) -> tuple[tuple[str, int], ...]:
    """Register values (Wh) per class at 00:00 Paris time on `day`."""
    if day <= INDEX_EPOCH:
        base = 10_000_000 + meter.seed % 5_000_000
        return tuple((c, base // (i + 1)) for i, c in enumerate(time_classes(meter)))
    previous = dict(index_at(meter, day - timedelta(days=1)))
    for cls, wh in day_energy_by_class(meter, day - timedelta(days=1)):
        previous[cls] += wh
    return tuple(previous.items())


def warm_index(meter: MeterProfile, until: date) -> None:
    """Fill the index cache day by day (keeps recursion shallow)."""
    day = INDEX_EPOCH
    while day <= until:
        index_at(meter, day)
        day += timedelta(days=30)
    index_at(meter, until)
