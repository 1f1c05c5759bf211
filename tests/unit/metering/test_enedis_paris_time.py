"""Paris wall-clock text → UTC, including both DST days and the repeated autumn hour."""

from datetime import UTC, datetime

import pyarrow as pa

from collecte.metering.paris_time import paris_day_of, wall_to_utc


def _utc(texts, groups=None):
    group = pa.array(groups, pa.int32()) if groups else None
    return wall_to_utc(pa.array(texts, pa.string()), group).to_pylist()


def test_repeated_autumn_hour_is_resolved_by_order():
    texts = ["2026-10-25 01:30:00", "2026-10-25 02:00:00", "2026-10-25 02:30:00", "2026-10-25 02:00:00",
             "2026-10-25 02:30:00", "2026-10-25 03:00:00"]
    got = _utc(texts)
    assert [t.strftime("%H:%M") for t in got] == ["23:30", "00:00", "00:30", "01:00", "01:30", "02:00"]
    assert all(t.tzinfo is not None and t.utcoffset().total_seconds() == 0 for t in got)


def test_spring_day_skips_the_missing_hour():
    got = _utc(["2026-03-29 01:30:00", "2026-03-29 03:00:00", "2026-03-29 03:30:00"])
    assert [t.strftime("%H:%M") for t in got] == ["00:30", "01:00", "01:30"]


def test_second_occurrence_is_judged_per_response():
    got = _utc(["2026-10-25 02:30:00", "2026-10-25 02:30:00"], groups=[0, 1])
    assert got[0] == got[1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_plain_duplicate_outside_the_repeated_hour_is_not_moved():
    got = _utc(["2026-06-01 10:00:00", "2026-06-01 10:00:00"])
    assert got[0] == got[1]


def test_end_of_interval_midnight_belongs_to_the_day_before():
    instants = pa.array([datetime(2026, 1, 1, 23, 0, tzinfo=UTC)], pa.timestamp("s", tz="UTC"))
    assert str(paris_day_of(instants).to_pylist()[0]) == "2026-01-02"
    assert str(paris_day_of(instants, end_of_interval=True).to_pylist()[0]) == "2026-01-01"
