"""collect_enedis and import_meter_history: a run is green only if its data is in; re-runs resume.

Whole-DAG dag.test() runs against the Enedis sandbox, through a proxy that fails every call naming
one PRM (a gateway fault that outlasts the client's and the task's retries) and counts the calls:

(a) the failing meter's batch loads its other meters, the other batches load, the run ends failed and
    names exactly the missing meter, kinds and day, and the meter_status rows say the same;
(b) a re-run asks only the failing meter's calls (a clean collection's count), then ends green;
(c) a clean run's re-run changes nothing and asks nothing but one call per flagged meter (is consent back?).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from collecte.warehouse.db import connect
from sandbox.enedis import meters
from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET
from tests.integration.operator_proxy import MeterProxy

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(600)]
TABLES = ("daily_energy", "load_curve", "max_power", "meter_index", "meter_contract")
ALL = ["daily", "load_curve", "max_power", "index", "contract"]
# one day of a consumption meter with every kind: daily, curve, max power, index (a call each) + 4 contract APIs
ONE_DAY_CALLS = 4 + 4
FLAGGED_RECHECK = {meters.CONSENT_REVOKED: 1, meters.CURVE_NOT_ACTIVATED: 1}


@pytest.fixture
def proxied(enedis, airflow_home, monkeypatch):
    """The Data Connect connection through a counting, failing proxy; demo mandates; fast retries."""
    from collecte.airflow.hooks.enedis_dataconnect import EnedisDataConnectHook
    from collecte.consent.demo import seed_demo
    from collecte.landing.raw_zone import RawZone
    from collecte.sources.enedis.dataconnect import DataConnectClient

    enedis.state.today = None
    enedis.state.limits.calls_per_second = 50
    proxy = MeterProxy(enedis.base_url).start()
    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_DATACONNECT", json.dumps({
        "conn_type": "http", "host": proxy.url, "login": CLIENT_ID, "password": CLIENT_SECRET,
        "extra": {"calls_per_second": 40, "pool_slots": 1, "timeout": 10}}))
    monkeypatch.setenv("COLLECTE_RETRY_DELAY_SECONDS", "1")  # Airflow task retries: 1, 2, 4 s
    # the client's own retries, short: the fault outlasts them anyway
    monkeypatch.setattr(EnedisDataConnectHook, "get_conn", lambda self, **over: DataConnectClient(
        **(self.client_settings() | {"max_attempts": 2, "backoff_base": 0.01, "max_backoff": 0.02} | over)))
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket))
    yield proxy
    proxy.stop()


def _counts(url: str) -> dict[str, int]:
    with connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608


def _rows_of(url: str, meter: str) -> int:
    with connect(url) as conn:
        return sum(conn.execute(f"SELECT count(*) FROM {t} WHERE meter_id = %s", (meter,)).fetchone()[0]  # noqa: S608
                   for t in TABLES)


def _planned(dag_run) -> list[dict]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.query(XComModel).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id,
                                                 task_id=_select_task(dag_run), key="return_value").one()
        return XComModel.deserialize_value(row)


def _select_task(dag_run) -> str:
    return "select_meters" if dag_run.dag_id == "collect_enedis" else "select_history"


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def test_collect_enedis_red_names_what_is_missing_then_resumes(enedis, proxied, airflow_home):
    from collecte.dags.enedis import build_collect_enedis
    from collecte.dags.interval import PARIS
    from collecte.metering.completeness import missing_work
    from tests.conftest import run_dag

    day = datetime.now(PARIS).date() - timedelta(days=5)
    logical = datetime.combine(day, time(0), PARIS).astimezone(UTC)
    proxy = proxied
    proxy.fail = {meters.NORMAL}

    # (a) one meter's calls fail through every retry
    first = run_dag(build_collect_enedis(), logical_date=logical)
    assert first.state == "failed"
    day = first.data_interval_start.astimezone(PARIS).date()  # the run's Paris day
    states = _states(first)
    assert states[("collect_batch", 0)] == "failed"  # the batch of NORMAL, after its retries
    assert all(s == "success" for (task, i), s in states.items() if task == "collect_batch" and i > 0)
    assert states[("verify_complete", -1)] == "failed"
    assert _rows_of(airflow_home.pg_url, meters.NORMAL) == 0
    for other in (meters.GAPS, meters.C4_10MIN, meters.PRODUCER):  # same batch as NORMAL, and other batches
        assert _rows_of(airflow_home.pg_url, other) > 0, other
    # a task retry asks only what is still missing: NORMAL's batch mates were asked once, like a clean meter
    assert proxy.calls[meters.GAPS] == proxy.calls[meters.C4_10MIN] == ONE_DAY_CALLS
    with connect(airflow_home.pg_url) as conn:
        report = missing_work(conn, "enedis", _planned(first), run_id=first.run_id)
        status = {k: (s, m) for k, s, m in conn.execute(
            "SELECT data_kind, status, message FROM meter_status WHERE operator = 'enedis' AND meter_id = %s",
            (meters.NORMAL,))}
    assert {(o.meter_id, o.kind, tuple(map(tuple, o.days))) for o in report.owed} == {
        (meters.NORMAL, kind, ((day.isoformat(), day.isoformat()),)) for kind in ALL}
    assert not report.pending and not report.quarantined
    assert report.replay_params() == [{"operator": "enedis", "meters": [meters.NORMAL], "from": day.isoformat(),
                                       "to": day.isoformat(), "kinds": ALL}]
    message = report.message("collect_enedis", first.run_id)
    assert f"{meters.NORMAL} load_curve: {day.isoformat()} (ERROR:" in message
    assert '"meters":["30001234567890"]' in message and "import_meter_history" in message
    assert {s for s, _ in status.values()} == {"ERROR"} and set(status) == set(ALL)
    assert all(day.isoformat() in m and "import_meter_history" in m for _, m in status.values())

    # (b) the fault is gone: a re-run of the same day asks only NORMAL's calls, once each, and ends green
    proxy.fail = set()
    proxy.reset()
    before = _counts(airflow_home.pg_url)
    second = run_dag(build_collect_enedis(), logical_date=logical)
    assert second.state == "success"
    # flagged meters (consent revoked at Enedis, curve not activated) are asked again, one refused call each:
    # the only way to see that consent or activation came back
    assert dict(proxy.calls) == {meters.NORMAL: ONE_DAY_CALLS} | FLAGGED_RECHECK
    assert _rows_of(airflow_home.pg_url, meters.NORMAL) > 0
    assert _counts(airflow_home.pg_url)["daily_energy"] == before["daily_energy"] + 1

    # (c) everything is in: another re-run asks nothing and changes nothing
    proxy.reset()
    settled = _counts(airflow_home.pg_url)
    third = run_dag(build_collect_enedis(), logical_date=logical)
    assert third.state == "success"
    assert dict(proxy.calls) == FLAGGED_RECHECK
    assert _counts(airflow_home.pg_url) == settled


def test_import_meter_history_resumes_a_long_span_without_paying_twice(enedis, proxied, airflow_home):
    from collecte.dags.enedis import build_import_meter_history
    from collecte.dags.interval import PARIS
    from collecte.sources.enedis.spans import plan_calls
    from tests.conftest import run_dag

    proxy = proxied
    last = datetime.now(PARIS).date() - timedelta(days=3)
    first = last - timedelta(days=120)  # two windows (92 days, then the rest)
    conf = {"operator": "enedis", "meters": [meters.NORMAL, meters.C4_10MIN], "from": first.isoformat(),
            "to": last.isoformat(), "kinds": ["load_curve", "daily"]}
    proxy.fail = {meters.C4_10MIN}
    red = run_dag(build_import_meter_history(), run_conf=conf)
    assert red.state == "failed"
    assert _states(red)[("verify_enedis", -1)] == "failed"
    assert _rows_of(airflow_home.pg_url, meters.NORMAL) > 0 and _rows_of(airflow_home.pg_url, meters.C4_10MIN) == 0

    proxy.fail = set()
    proxy.reset()
    green = run_dag(build_import_meter_history(), run_conf=conf)
    assert green.state == "success"
    today = date.today()
    windows = [(first, first + timedelta(days=91)), (first + timedelta(days=92), last)]
    clean = sum(len(plan_calls(r, a, b, today=today)) for a, b in windows
                for r in ("courbe_de_charge_consommation", "consommation_quotidienne"))
    assert dict(proxy.calls) == {meters.C4_10MIN: clean}, "only the missing meter, each call once"
    with connect(airflow_home.pg_url) as conn:
        days = conn.execute("SELECT count(DISTINCT day) FROM daily_energy WHERE meter_id = %s",
                            (meters.C4_10MIN,)).fetchone()[0]
    assert days == (last - first).days + 1

    proxy.reset()
    again = run_dag(build_import_meter_history(), run_conf=conf)
    assert again.state == "success" and sum(proxy.calls.values()) == 0
