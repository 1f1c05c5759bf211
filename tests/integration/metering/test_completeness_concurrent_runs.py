"""Two runs of one operator at once (the scheduled day and a manual span, on Celery workers) each
record the meters' statuses: a meter another run found not collectable since this run began is
flagged for this run too, not owed; a flag older than the run still is owed (it may be stale)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collecte.metering import status as meter_status
from collecte.metering.completeness import missing_work
from collecte.warehouse.db import connect

pytestmark = pytest.mark.services
METER = "30001234567892"
BATCHES = [{"label": METER, "first": "2026-11-22", "last": "2026-11-28",
            "meters": [{"id": METER, "kinds": ["load_curve"], "directions": ["CONS"],
                        "resources": {"load_curve": ["courbe_de_charge_consommation"]}}]}]


def test_a_flag_another_run_found_since_this_one_began_is_not_owed(pg_url):
    with connect(pg_url, autocommit=True) as conn:
        began = conn.execute("SELECT now()").fetchone()[0]
        meter_status.record_status(conn, "enedis", METER, "load_curve", meter_status.CURVE_NOT_ACTIVATED,
                                   "HTTP 404 ADAM-ERR0075", run_id="manual__other")
        report = missing_work(conn, "enedis", BATCHES, run_id="scheduled__mine", since=began)
        assert report.complete and f"{METER} load_curve" in report.flagged
        # without `since`, only this run's own flags count: the same status is owed (named)
        report = missing_work(conn, "enedis", BATCHES, run_id="scheduled__mine")
        assert not report.complete and [o.meter_id for o in report.owed] == [METER]


def test_a_flag_older_than_the_run_is_still_owed(pg_url):
    with connect(pg_url, autocommit=True) as conn:
        meter_status.record_status(conn, "enedis", METER, "load_curve", meter_status.CURVE_NOT_ACTIVATED,
                                   "HTTP 404 ADAM-ERR0075", run_id="manual__last_week")
        later = datetime.now(UTC) + timedelta(seconds=5)  # this run began after the flag was found
        report = missing_work(conn, "enedis", BATCHES, run_id="scheduled__mine", since=later)
        assert not report.complete and report.owed[0].kind == "load_curve"
