"""The ONE Paris timetable helper of every scheduled DAG: runs carry a real data interval (a Paris day).

In Airflow 3 a plain cron string or preset schedules with empty data intervals
(`create_cron_data_intervals=False`): a backfilled run would not know which day it is for. A
CronDataIntervalTimetable gives each run [previous fire, this fire), in Paris time, so scheduled
runs, reruns and `airflow backfill create` all read their day from the run.
"""

from __future__ import annotations

from typing import Any

PRESETS = {"@daily": "0 0 * * *", "@hourly": "0 * * * *", "@weekly": "0 0 * * 1", "@monthly": "0 0 1 * *",
           "@yearly": "0 0 1 1 *"}


def paris_timetable(schedule: str | None) -> Any:
    """The timetable of a cron expression or preset, in Europe/Paris; None stays manual-only."""
    from airflow.sdk import CronDataIntervalTimetable

    if schedule is None or schedule in ("@once", "@continuous"):
        return schedule
    return CronDataIntervalTimetable(PRESETS.get(schedule, schedule), timezone="Europe/Paris")
