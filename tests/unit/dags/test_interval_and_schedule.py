"""Run intervals: Params win, then the run's data interval; schedules give Paris-day intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from collecte.dags.interval import PARIS, paris_midnight, run_interval


def test_params_from_to_are_inclusive_paris_days():
    interval = run_interval({"params": {"from": "2026-03-28", "to": "2026-03-30"}})
    assert interval.days() == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    # the DST change (29 March 2026) makes that span 71 hours, not 72
    assert (interval.end - interval.start).total_seconds() == 71 * 3600


def test_the_data_interval_is_used_when_no_params():
    start, end = paris_midnight(date(2026, 10, 25)), paris_midnight(date(2026, 10, 26))
    interval = run_interval({"params": {"from": None, "to": None},
                             "data_interval_start": start, "data_interval_end": end})
    assert interval.days() == [date(2026, 10, 25)]
    assert (interval.end - interval.start).total_seconds() == 25 * 3600


def test_a_manual_run_without_interval_or_params_takes_yesterday():
    now = datetime(2026, 11, 29, 10, tzinfo=UTC)
    interval = run_interval({"data_interval_start": now, "data_interval_end": now}, today=date(2026, 11, 29))
    assert interval.days() == [date(2026, 11, 28)]


def test_reversed_params_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="'to' .* is before 'from'"):
        run_interval({"params": {"from": "2026-03-30", "to": "2026-03-01"}})


@pytest.mark.parametrize(("schedule", "expression"), [("@daily", "0 0 * * *"), ("0 9 * * *", "0 9 * * *")])
def test_schedules_carry_paris_data_intervals(schedule, expression):
    from airflow.sdk import CronDataIntervalTimetable

    from collecte.dags.schedule import paris_timetable

    timetable = paris_timetable(schedule)
    assert isinstance(timetable, CronDataIntervalTimetable)
    assert timetable.expression == expression
    assert str(timetable.timezone) in ("Europe/Paris", str(PARIS))


def test_manual_only_schedules_stay_manual():
    from collecte.dags.schedule import paris_timetable

    assert paris_timetable(None) is None
