"""Point counts per Paris day: 23, 24 or 25 hours."""

from datetime import UTC, date, datetime, timedelta

from collecte.metering.continuity import completeness, day_hours, expected_points


def test_day_lengths_and_expected_points():
    assert day_hours(date(2026, 3, 29)) == 23 and day_hours(date(2026, 10, 25)) == 25
    assert day_hours(date(2026, 6, 1)) == 24
    assert [expected_points(date(2026, 3, 29), s) for s in (10, 30, 60)] == [138, 46, 23]
    assert [expected_points(date(2026, 10, 25), s) for s in (10, 30, 60)] == [150, 50, 25]


def test_a_missing_point_makes_the_day_incomplete():
    start = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)  # 2026-06-02 00:00 Paris
    ends = [start + timedelta(minutes=30 * i) for i in range(1, 49)]
    full = completeness(("p", "CONS", end, 30) for end in ends)
    assert len(full) == 1 and full[0].complete and full[0].day == date(2026, 6, 2)
    holed = completeness(("p", "CONS", end, 30) for end in ends[:20] + ends[21:])
    assert not holed[0].complete and holed[0].found == 47
