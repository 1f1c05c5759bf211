"""collect_grdf end to end with dag.test(): consent gate -> ADICT sandbox -> raw zone -> warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from collecte.warehouse.db import connect
from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(180)]
OK_PCES = ["21100000000001", "21100000000002", "GI000123"]


def test_collect_grdf_dag(airflow_home, adict, monkeypatch):
    from collecte.consent.demo import seed_demo
    from collecte.dags.grdf import build_collect_grdf
    from collecte.dags.interval import PARIS
    from collecte.landing.raw_zone import RawZone
    from tests.conftest import run_dag

    monkeypatch.setenv("AIRFLOW_CONN_GRDF_ADICT", json.dumps({
        "conn_type": "http", "host": adict.api_url, "login": DEMO_CLIENT_ID, "password": DEMO_CLIENT_SECRET,
        "extra": adict.connection_extra()}))
    zone = RawZone(airflow_home.s3, airflow_home.bucket)
    today = adict.state.today()
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, zone, today=today)
        # the consent registry withdraws GI000123 from the mandate's scope: the gate must refuse it
        conn.execute("DELETE FROM mandate_scope WHERE source = 'grdf' AND target_id = 'GI000123'")

    yesterday = datetime.combine(today - timedelta(days=1), time(0), PARIS).astimezone(UTC)
    dag_run = run_dag(build_collect_grdf(), logical_date=yesterday)
    assert dag_run.state == "success"

    tis = {ti.task_id: ti for ti in dag_run.get_task_instances()}
    assert tis["collect_batch"].rendered_map_index == "21100000000001…21100000000004 (4)"
    with connect(airflow_home.pg_url) as conn:
        validated = conn.execute("SELECT count(*), bool_and(success) FROM validation_result"
                                 " WHERE dataset = 'gas_consumption' AND source = 'grdf'").fetchone()
        assert validated == (4, True), "GX suite run on the 4 staged objects of this run"
        days = dict(conn.execute("SELECT pce, count(*) FROM gas_consumption WHERE kind = 'informative'"
                                 " GROUP BY pce").fetchall())
        assert days == {"21100000000001": 1, "21100000000002": 1}
        status = {(m, k): s for m, k, s in conn.execute(
            "SELECT meter_id, data_kind, status FROM meter_status WHERE operator = 'grdf'").fetchall()}
        assert status[("21100000000001", "daily")] == "OK"
        assert status[("21100000000003", "daily")] == "NO_CONSENT"   # revoked at GRDF
        assert status[("21100000000004", "consumption")] == "NO_CONSENT"  # not accepted yet
        assert status[("GI000123", "daily")] == "NO_CONSENT"         # refused by the consent gate
        message = conn.execute("SELECT message FROM meter_status WHERE meter_id = 'GI000123'"
                               " AND data_kind = 'daily'").fetchone()[0]
        assert message.startswith("consent gate:")
    assert not zone.keys("raw/source=grdf/kind=adict_informative/account=GI000123/")
    assert adict.state.stats["throttled"] == 0
