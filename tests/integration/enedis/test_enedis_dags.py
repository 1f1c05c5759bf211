"""collect_enedis and import_meter_history end to end with dag.test(): gate -> sandbox -> raw -> GX -> warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from collecte.warehouse.db import connect
from sandbox.enedis import meters
from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(240)]


@pytest.fixture
def enedis_connection(enedis, airflow_home, monkeypatch):
    """The Data Connect connection on the sandbox (running on the real date), and the demo mandates."""
    from collecte.consent.demo import seed_demo
    from collecte.landing.raw_zone import RawZone

    enedis.state.today = None
    enedis.state.limits.calls_per_second = 50
    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_DATACONNECT", json.dumps({
        "conn_type": "http", "host": enedis.base_url, "login": CLIENT_ID, "password": CLIENT_SECRET,
        "extra": {"calls_per_second": 40, "pool_slots": 1, "timeout": 10}}))
    zone = RawZone(airflow_home.s3, airflow_home.bucket)
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, zone)
        # the consent registry withdraws one PRM from the mandate's scope: the gate must refuse it
        conn.execute("DELETE FROM mandate_scope WHERE source = 'enedis' AND target_id = %s", (meters.CURVE_60MIN,))
    return zone


def test_collect_enedis_one_day(enedis, enedis_connection, airflow_home):
    from collecte.dags.enedis import build_collect_enedis
    from collecte.dags.interval import PARIS
    from tests.conftest import run_dag

    day = datetime.now(PARIS).date() - timedelta(days=5)
    logical = datetime.combine(day, time(0), PARIS).astimezone(UTC)
    dag_run = run_dag(build_collect_enedis(), logical_date=logical)
    assert dag_run.state == "success"
    tis = {(ti.task_id, ti.map_index): ti for ti in dag_run.get_task_instances()}
    assert tis[("collect_batch", 0)].rendered_map_index == f"{meters.NORMAL}+3"
    with connect(airflow_home.pg_url) as conn:
        days = dict(conn.execute("SELECT meter_id, count(DISTINCT day) FROM daily_energy GROUP BY 1").fetchall())
        status = {(m, k): (s, msg) for m, k, s, msg in conn.execute(
            "SELECT meter_id, data_kind, status, message FROM meter_status WHERE operator = 'enedis'")}
        validated = conn.execute("SELECT count(*), bool_and(success) FROM validation_result"
                                 " WHERE source = 'enedis'").fetchone()
    assert set(days.values()) == {1}  # one Paris day per run
    assert meters.NORMAL in days and meters.C4_10MIN in days
    assert status[(meters.CONSENT_REVOKED, "daily")][0] == "NO_CONSENT"  # revoked at Enedis
    assert status[(meters.CURVE_60MIN, "daily")][0] == "NO_CONSENT"       # refused by the gate
    assert status[(meters.CURVE_60MIN, "daily")][1].startswith("consent gate:")
    assert status[(meters.CURVE_NOT_ACTIVATED, "load_curve")][0] == "CURVE_NOT_ACTIVATED"  # ADAM-ERR0075
    assert validated[0] >= 4 and validated[1] is True
    assert enedis.state.stats.rate_limited == 0


def test_import_meter_history_form(enedis, enedis_connection, airflow_home):
    from collecte.dags.enedis import build_import_meter_history
    from collecte.dags.interval import PARIS
    from tests.conftest import run_dag

    last = datetime.now(PARIS).date() - timedelta(days=3)
    first = last - timedelta(days=9)
    conf = {"operator": "enedis", "meters": [meters.NORMAL, meters.RECENT], "from": first.isoformat(),
            "to": last.isoformat(), "kinds": ["load_curve", "daily"]}
    dag_run = run_dag(build_import_meter_history(), run_conf=conf)
    assert dag_run.state == "success"
    with connect(airflow_home.pg_url) as conn:
        curve = conn.execute("SELECT meter_id, count(*) FROM load_curve GROUP BY 1 ORDER BY 1").fetchall()
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT data_kind FROM meter_status WHERE operator = 'enedis'")}
    assert [m for m, _ in curve] == [meters.NORMAL, meters.RECENT]
    assert all(n >= 10 * 46 for _, n in curve)
    assert kinds == {"load_curve", "daily"}
