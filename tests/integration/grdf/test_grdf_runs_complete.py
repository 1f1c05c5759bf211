"""collect_grdf and the GRDF branch of import_meter_history: green only if the data is in; re-runs resume.

Whole-DAG dag.test() runs against the ADICT sandbox through a proxy that fails every call naming one
PCE (past the client's and the task's retries) and counts the calls per PCE, with batches of two
PCEs so that a failing batch sits beside a healthy one:

(a) the healthy PCEs (the failing one's batch mate and the other batch) are loaded, the run ends
    failed naming exactly the missing PCE, kinds and days, and meter_status says the same;
(b) a re-run asks only the missing PCE's calls, then ends green;
(c) a clean run's re-run asks nothing and changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from collecte.warehouse.db import connect
from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.integration.operator_proxy import MeterProxy

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(600)]
T2, T1, T3 = "21100000000001", "21100000000002", "GI000123"


@pytest.fixture
def proxied(adict, airflow_home, monkeypatch):
    """The ADICT connection through a counting, failing proxy; demo mandates; batches of 2; fast retries."""
    import collecte.dags.grdf as grdf_dags
    from collecte.consent.demo import seed_demo
    from collecte.landing.raw_zone import RawZone
    from collecte.sources.grdf.client import AdictClient
    from collecte.sources.grdf.config import load_grdf_config

    proxy = MeterProxy(adict.base_url).start()
    api_path = adict.api_url.removeprefix(adict.base_url)
    monkeypatch.setenv("AIRFLOW_CONN_GRDF_ADICT", json.dumps({
        "conn_type": "http", "host": proxy.url + api_path, "login": DEMO_CLIENT_ID, "password": DEMO_CLIENT_SECRET,
        "extra": adict.connection_extra()}))
    monkeypatch.setenv("COLLECTE_RETRY_DELAY_SECONDS", "1")
    config = load_grdf_config().model_copy(update={"batch_size": 2})
    monkeypatch.setattr(grdf_dags, "load_grdf_config", lambda: config)
    original = AdictClient.from_connection.__func__
    monkeypatch.setattr(AdictClient, "from_connection", classmethod(
        lambda cls, conn_id="grdf_adict", **kw: original(cls, conn_id, **({"max_attempts": 2, "backoff_s": 0.01,
                                                                           "max_backoff_s": 0.02} | kw))))
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket), today=adict.state.today())
    yield proxy
    proxy.stop()


def _rows(url: str) -> dict[str, int]:
    with connect(url) as conn:
        rows = dict(conn.execute("SELECT pce, count(*) FROM gas_consumption GROUP BY 1").fetchall())
        rows |= {f"contract {m}": n for m, n in conn.execute(
            "SELECT meter_id, count(*) FROM meter_contract WHERE source = 'grdf' GROUP BY 1").fetchall()}
    return rows


def _statuses(url: str, pce: str) -> dict[str, tuple[str, str]]:
    with connect(url) as conn:
        return {k: (s, m) for k, s, m in conn.execute(
            "SELECT data_kind, status, message FROM meter_status WHERE operator = 'grdf' AND meter_id = %s", (pce,))}


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def test_import_meter_history_grdf_red_then_resumes(adict, proxied, airflow_home):
    from collecte.dags.enedis import build_import_meter_history
    from tests.conftest import run_dag

    proxy = proxied
    today = adict.state.today()
    last = today - timedelta(days=1)
    first = last - timedelta(days=9)
    conf = {"operator": "grdf", "meters": [T2, T1, T3], "from": first.isoformat(), "to": last.isoformat(),
            "kinds": ["daily", "contract"]}
    proxy.fail = {T1}

    red = run_dag(build_import_meter_history(), run_conf=conf)
    assert red.state == "failed"
    states = _states(red)
    assert states[("collect_gas_batch", 0)] == "failed" and states[("collect_gas_batch", 1)] == "success"
    assert states[("verify_grdf", -1)] == "failed" and states[("verify_enedis", -1)] == "success"
    rows = _rows(airflow_home.pg_url)
    assert rows[T2] == 10 and rows[T3] == 10 and T1 not in rows, rows  # the batch mate and the other batch
    assert rows[f"contract {T2}"] == 1
    status = _statuses(airflow_home.pg_url, T1)
    assert {k: s for k, (s, _) in status.items()} == {"daily": "ERROR", "contract": "ERROR"}
    span = f"{first.isoformat()}..{last.isoformat()}"
    assert all(span in m and f'"meters":["{T1}"]' in m for _, m in status.values()), status
    # a task retry asks only what is missing: T2 (same batch as T1) was asked once, like T3
    assert proxy.calls[T2] == proxy.calls[T3] == 2  # informative data + contract

    proxy.fail = set()
    proxy.reset()
    green = run_dag(build_import_meter_history(), run_conf=conf)
    assert green.state == "success"
    assert dict(proxy.calls) == {T1: 2}
    assert _rows(airflow_home.pg_url)[T1] == 10
    assert {s for s, _ in _statuses(airflow_home.pg_url, T1).values()} == {"OK"}

    proxy.reset()
    settled = _rows(airflow_home.pg_url)
    again = run_dag(build_import_meter_history(), run_conf=conf)
    assert again.state == "success" and sum(proxy.calls.values()) == 0 and _rows(airflow_home.pg_url) == settled


def test_collect_grdf_red_then_resumes(adict, proxied, airflow_home):
    from collecte.dags.grdf import build_collect_grdf
    from collecte.dags.interval import PARIS
    from tests.conftest import run_dag

    proxy = proxied
    today = adict.state.today()
    logical = datetime.combine(today - timedelta(days=1), time(0), PARIS).astimezone(UTC)
    proxy.fail = {T3}
    red = run_dag(build_collect_grdf(), logical_date=logical)
    assert red.state == "failed"
    assert _states(red)[("verify_complete", -1)] == "failed"
    rows = _rows(airflow_home.pg_url)
    assert T3 not in rows and rows[T2] >= 1 and rows[T1] >= 1
    status = _statuses(airflow_home.pg_url, T3)
    assert {s for s, _ in status.values()} == {"ERROR"} and set(status) == {"consumption", "daily", "contract",
                                                                          "technical"}
    first_calls = {pce: proxy.calls[pce] for pce in (T2, T1)}

    proxy.fail = set()
    proxy.reset()
    green = run_dag(build_collect_grdf(), logical_date=logical)
    assert green.state == "success"
    assert set(proxy.calls) == {T3}, "only the missing PCE is asked again"
    assert _rows(airflow_home.pg_url)[T3] >= 1
    assert first_calls == {T2: 4, T1: 4}  # published, informative, contract, technical: once each

    proxy.reset()
    settled = _rows(airflow_home.pg_url)
    again = run_dag(build_collect_grdf(), logical_date=logical)
    assert again.state == "success" and sum(proxy.calls.values()) == 0 and _rows(airflow_home.pg_url) == settled
