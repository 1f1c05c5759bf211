"""Paris wall-clock times from the operator → UTC instants, vectorised with Arrow and NumPy.

Data Connect gives `d` as local time without offset. In the repeated autumn hour the same
wall-clock text appears twice in one day: the first occurrence is summer time (CEST), the
second winter time (CET). Points of one response come in time order, so a point whose
"earliest" reading is not after an earlier point of the same response is that second
occurrence, and moves one hour later (checked against the zone, so a plain duplicate does not).
In spring the hour 02:00-03:00 does not exist: a label inside it is a defect of that point, marked
(with `nonexistent="mark"`) so that the caller quarantines it and keeps the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS_TZ = "Europe/Paris"
PARIS = ZoneInfo(PARIS_TZ)
WALL_FORMAT = "%Y-%m-%d %H:%M:%S"


def _is_repeated_hour(utc_seconds: int) -> bool:
    """Whether this instant (read as summer time) lies in an hour Paris lives twice."""
    first = datetime.fromtimestamp(utc_seconds, UTC).astimezone(PARIS)
    second = datetime.fromtimestamp(utc_seconds + 3600, UTC).astimezone(PARIS)
    return first.replace(tzinfo=None) == second.replace(tzinfo=None)


def wall_to_utc(wall: Any, group: Any | None = None, *, nonexistent: str = "raise") -> Any:
    """UTC timestamps (timestamp[s, UTC]) of Paris wall-clock strings.

    `wall` is a pyarrow string array in time order within each `group` (the response each point
    came from, an int32 array of the same length, non-decreasing). With `nonexistent="mark"`, returns
    (timestamps, reasons): `reasons` is null where the label is fine, else why it cannot be an instant
    (unreadable, or inside the spring-forward gap); the timestamps of those rows are meaningless.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if nonexistent != "mark":
        naive = pc.strptime(wall, format=WALL_FORMAT, unit="s")
        earliest = pc.assume_timezone(naive, PARIS_TZ, ambiguous="earliest", nonexistent="raise")
        return _second_occurrences(earliest, group)
    try:  # the fast path: every label readable and a real Paris time (checks only on failure)
        naive = pc.strptime(wall, format=WALL_FORMAT, unit="s")
        if not naive.null_count:
            earliest = pc.assume_timezone(naive, PARIS_TZ, ambiguous="earliest", nonexistent="raise")
            return _second_occurrences(earliest, group), pa.nulls(len(wall), pa.string())
    except pa.ArrowInvalid:
        pass
    naive = pc.strptime(wall, format=WALL_FORMAT, unit="s", error_is_null=True)
    unreadable = pc.is_null(naive)
    naive = pc.fill_null(naive, pa.scalar(0, pa.timestamp("s")))
    earliest = pc.assume_timezone(naive, PARIS_TZ, ambiguous="earliest", nonexistent="earliest")
    skipped = pc.not_equal(pc.local_timestamp(earliest), naive)  # the zone moved it: Paris never showed it
    none = pa.scalar(None, pa.string())
    reasons = pc.if_else(unreadable, pa.scalar("unreadable label d (expected YYYY-MM-DD HH:MM:SS)"),
                         pc.if_else(skipped, pa.scalar("label d inside the spring-forward gap: Paris skips this "
                                                       "wall-clock time"), none))
    return _second_occurrences(earliest, group), reasons


def _second_occurrences(earliest: Any, group: Any | None) -> Any:
    """Move the second reading of a repeated autumn hour one hour later (see the module's docstring)."""
    import numpy as np
    import pyarrow as pa

    if len(earliest) < 2 or not _spans_an_autumn_change(earliest):
        return earliest.cast(pa.timestamp("s", tz="UTC"))  # no repeated hour possible: nothing to look for
    seconds = earliest.cast(pa.int64()).to_numpy(zero_copy_only=False)
    groups = np.zeros(len(seconds), np.int64) if group is None else \
        np.asarray(group.to_numpy(zero_copy_only=False), np.int64)
    ordered = (groups << 40) + (seconds - seconds.min())
    before = np.maximum.accumulate(ordered)[:-1]
    repeated = np.flatnonzero(ordered[1:] <= before) + 1
    if len(repeated):
        seconds = seconds.copy()
        for index in repeated:
            if _is_repeated_hour(int(seconds[index])):
                seconds[index] += 3600
    return pa.array(seconds, pa.int64()).cast(pa.timestamp("s", tz="UTC"))


def _spans_an_autumn_change(instants: Any) -> bool:
    """Whether the instants' range (a day of margin) holds a change back to winter time (last Sunday of October)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    bounds = pc.min_max(instants.cast(pa.int64()))
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is None:
        return False
    first = datetime.fromtimestamp(low - 86400, UTC)
    last = datetime.fromtimestamp(high + 86400, UTC)
    for year in range(first.year, last.year + 1):
        october_31 = datetime(year, 10, 31, 1, 0, tzinfo=UTC)
        change = october_31 - timedelta(days=(october_31.weekday() + 1) % 7)  # last Sunday, 01:00 UTC
        if first <= change <= last:
            return True
    return False


def paris_day_of(instants: Any, *, end_of_interval: bool = False) -> Any:
    """Paris calendar days (date32) of UTC instants; with `end_of_interval`, midnight belongs to the day before."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if end_of_interval:
        instants = pc.subtract(instants, pa.scalar(1, pa.duration("s")))
    local = pc.local_timestamp(instants.cast(pa.timestamp("s", tz=PARIS_TZ)))
    return local.cast(pa.date32())


def utc_seconds(moment: datetime) -> int:
    """Seconds since the epoch of an aware datetime."""
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(seconds=1))
