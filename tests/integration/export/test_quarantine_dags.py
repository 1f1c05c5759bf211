"""The quarantine road: a check that quarantines says so (the notice task fails with the reason),
and the manual reprocess_quarantine DAG (run whole) loads the records once they are fixed."""

from __future__ import annotations

import io
from datetime import date

import pytest

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(240)]

RAW = "raw/source=enedis/kind=load_curve/account=30001234567890/received=2026-05-05/feed.json"
STAGED = "staged/source=enedis/dataset=load_curve/batch1.parquet"


def _states(dag_run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def test_quarantine_is_visible_then_replayed(airflow_home):
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.quality import _check, _quarantine_notice, build_reprocess_quarantine
    from collecte.landing.raw_zone import RawZone
    from collecte.quality.quarantine import from_parquet, to_parquet
    from collecte.warehouse.db import connect
    from tests.conftest import run_dag
    from tests.unit.quality.builders import load_curve

    zone = RawZone(airflow_home.s3, airflow_home.bucket)
    points = load_curve("30001234567890", date(2026, 5, 4), 1).assign(raw_key=RAW)
    points.loc[10, "power_w"], points.loc[10, "energy_wh"] = -40, -20.0
    buffer = io.BytesIO()
    points.to_parquet(buffer, index=False)
    zone.put(STAGED, buffer.getvalue())

    # the supplier DAG's tasks, called as Airflow calls them (a whole supplier DAG is the lead's test)
    checked = _check.function("load_curve", [STAGED], "enedis", run_id="manual__test")
    assert [(c["rows"], c["passed"], c["failed"]) for c in checked] == [(48, 47, 1)]
    with pytest.raises(AirflowFailException, match=r"QUARANTINED 1 record\(s\) of load_curve .*reprocess_quarantine"):
        _quarantine_notice.function(checked)
    assert _quarantine_notice.function([{**checked[0], "failed": 0}]) == {"checked": 1, "quarantined": 0}
    checked_key = STAGED.removesuffix(".parquet") + ".checked.parquet"
    assert len(from_parquet(zone.get(checked_key))) == 47  # what the loader reads next
    with connect(airflow_home.pg_url) as conn:
        (reason, key), = conn.execute("SELECT reason, quarantine_key FROM quarantine_record"
                                      " WHERE status = 'quarantined'").fetchall()
        assert "power_w_in_range" in reason
        assert conn.execute("SELECT failed_rows, run_id FROM validation_result").fetchone() == (1, "manual__test")
    assert zone.keys("staged/validation/index.html")

    rows = from_parquet(zone.get(key))
    rows["power_w"], rows["energy_wh"] = 40, 20.0
    zone.put(key, to_parquet(rows))
    replay_run = run_dag(build_reprocess_quarantine(), run_conf={"raw_key": RAW})
    assert replay_run.state == "success", _states(replay_run)
    with connect(airflow_home.pg_url) as conn:
        assert conn.execute("SELECT power_w FROM load_curve").fetchall() == [(40,)]
        assert conn.execute("SELECT status FROM quarantine_record").fetchall() == [("released",)]
