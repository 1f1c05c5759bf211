"""collect_enedis and collect_grdf end to end (dag.test) with 30 % faults on the operator API
(token endpoint included), on S3 and on the warehouse (PostgreSQL connections cut at random).

Either the run ends green and holds every row a clean run brings (the clean re-run adds nothing),
or it ends red, its `verify_complete` names what is missing, and the clean re-run adds rows only for
what was named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from tests.faults.proxy import FaultProxy, FaultTcpProxy, s3_error

pytestmark = [pytest.mark.faults, pytest.mark.airflow, pytest.mark.services, pytest.mark.timeout(420)]
TABLES = {"enedis": ("daily_energy", "load_curve", "max_power", "meter_index", "meter_contract"),
          "grdf": ("gas_consumption",)}


def _rows(url: str, operator: str) -> dict[tuple[str, str], int]:
    """(table, meter) -> rows."""
    from collecte.warehouse.db import connect

    column = "pce" if operator == "grdf" else "meter_id"
    found = {}
    with connect(url) as conn:
        for table in TABLES[operator]:
            for meter, n in conn.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY 1"):  # noqa: S608
                found[(table, meter)] = n
    return found


def _named(dag_run, url: str, operator: str) -> tuple[set[str], str]:
    """Meters a red run names as owing something (missing days, landed but not loaded, quarantined),
    and its message."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from collecte.metering.completeness import missing_work
    from collecte.warehouse.db import connect

    select = next(ti.task_id for ti in dag_run.get_task_instances() if ti.task_id.startswith("select_"))
    with create_session() as session:
        row = session.query(XComModel).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id, task_id=select,
                                                 key="return_value").one()
        planned = XComModel.deserialize_value(row)
    with connect(url) as conn:
        report = missing_work(conn, operator, planned, run_id=dag_run.run_id)
    meters = {o.meter_id for o in report.owed} | {p["meter"] for p in report.pending}
    meters |= {q.get("meter") for q in report.quarantined if q.get("meter")}
    return meters, report.message(dag_run.dag_id, dag_run.run_id)


def _through_faults(monkeypatch, airflow_home, postgres_server, s3_server, upstream_conn: tuple[str, dict],
                    api_proxies: list[FaultProxy]) -> list:
    """Point S3, the warehouse and the operator connection through fault proxies; return them all."""
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY

    s3 = FaultProxy(s3_server.endpoint_url, rate=0.3, seed=41, stall=1.0, retry_after=1, error_body=s3_error).start()
    pg = FaultTcpProxy(postgres_server.port, rate=0.3, seed=42, cut_after=(0.2, 3.0)).start()
    db_name = airflow_home.pg_url.rsplit("/", 1)[1]
    connections = {
        "COLLECTE_S3": {"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                        "extra": {"endpoint_url": s3.url, "region_name": REGION,
                                  # retries in collecte's layer only, with short waits: a bounded test
                                  "config_kwargs": {"connect_timeout": 1, "read_timeout": 0.5,
                                                    "retries": {"total_max_attempts": 1, "mode": "standard"}},
                                  "retry_policy": {"attempts": 8, "backoff": 0.05, "max_backoff": 0.5}}},
        "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": "127.0.0.1", "port": pg.port, "login": "postgres",
                               "schema": db_name},
        upstream_conn[0]: upstream_conn[1],
    }
    for name, fields in connections.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(fields))
    monkeypatch.setenv("COLLECTE_RETRY_DELAY_SECONDS", "1")
    return [*api_proxies, s3, pg]


def _judge(build, run_kwargs: dict, proxies: list, airflow_home, operator: str) -> dict:
    """Run under faults, then clean; assert the verdict; return figures for the log."""
    from tests.conftest import run_dag

    try:
        faulty = run_dag(build(), **run_kwargs)
        after_faults = _rows(airflow_home.pg_url, operator)
        named, message = _named(faulty, airflow_home.pg_url, operator) if faulty.state != "success" else (set(), "")
        injected = sum(v for p in proxies for k, v in p.counts.items() if k not in ("passed",))
        for p in proxies:
            p.set_rate(0.0)
        clean = run_dag(build(), **run_kwargs)
        after_clean = _rows(airflow_home.pg_url, operator)
    finally:
        for p in proxies:
            p.stop()
    print(f"{operator}: {injected} faults injected, first run {faulty.state}; named: {sorted(named)}\n{message}")
    assert injected >= 5
    assert clean.state == "success"
    assert after_clean, "the clean run loaded nothing"
    added = {meter for key, n in after_clean.items() if n != after_faults.get(key, 0) for meter in [key[1]]}
    states = {ti.task_id: ti.state for ti in faulty.get_task_instances() if ti.task_id.startswith("verify")}
    if faulty.state == "success":
        assert not added, f"a green run claimed everything, yet the clean re-run added rows for {sorted(added)}"
    else:
        assert "failed" in states.values(), f"red, but not by its completeness check: {states}"
        assert named, "a red run must name what is missing"
        assert added <= named, f"rows were missing for {sorted(added - named)}, which the red run did not name"
    return {"faulty": faulty.state, "named": named, "added": added}


def test_collect_enedis_under_30_percent_faults(enedis, airflow_home, postgres_server, s3_server, monkeypatch):
    from collecte.consent.demo import seed_demo
    from collecte.dags.enedis import build_collect_enedis
    from collecte.dags.interval import PARIS
    from collecte.landing.raw_zone import RawZone
    from collecte.sources.enedis.dataconnect import _TOKENS
    from collecte.warehouse.db import connect
    from sandbox.enedis import meters
    from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET

    enedis.state.today = None
    enedis.state.limits.calls_per_second = 50
    _TOKENS.clear()
    api = FaultProxy(enedis.base_url, rate=0.3, seed=43, stall=1.0, retry_after=1).start()
    proxies = _through_faults(monkeypatch, airflow_home, postgres_server, s3_server, (
        "ENEDIS_DATACONNECT", {"conn_type": "http", "host": api.url, "login": CLIENT_ID, "password": CLIENT_SECRET,
                               "extra": {"calls_per_second": 40, "pool_slots": 1, "timeout": 0.5}}), [api])
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket))
        # three meters keep their consent (the gate refuses the others at once): a bounded run
        conn.execute("DELETE FROM mandate_scope WHERE source = 'enedis' AND target_id <> ALL(%s)",
                     ([meters.NORMAL, meters.GAPS, meters.C4_10MIN],))
    day = datetime.now(PARIS).date() - timedelta(days=5)
    logical = datetime.combine(day, time(0), PARIS).astimezone(UTC)
    _judge(build_collect_enedis, {"logical_date": logical}, proxies, airflow_home, "enedis")


def test_collect_grdf_under_30_percent_faults(adict, airflow_home, postgres_server, s3_server, monkeypatch):
    from urllib.parse import urlsplit

    from collecte.consent.demo import seed_demo
    from collecte.dags.grdf import build_collect_grdf
    from collecte.dags.interval import PARIS
    from collecte.landing.raw_zone import RawZone
    from collecte.warehouse.db import connect
    from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    api = FaultProxy(adict.base_url, rate=0.3, seed=44, stall=1.0, retry_after=1).start()
    token_origin = "{0.scheme}://{0.netloc}".format(urlsplit(adict.token_url))  # the OpenID host, maybe apart
    token = api if token_origin == adict.base_url else \
        FaultProxy(token_origin, rate=0.3, seed=45, stall=1.0, retry_after=1).start()
    proxies = _through_faults(monkeypatch, airflow_home, postgres_server, s3_server, (
        "GRDF_ADICT", {"conn_type": "http", "host": api.url + adict.api_url.removeprefix(adict.base_url),
                       "login": DEMO_CLIENT_ID, "password": DEMO_CLIENT_SECRET,
                       "extra": {**adict.connection_extra(),
                                 "token_url": token.url + adict.token_url.removeprefix(token_origin)}}),
        [api] if token is api else [api, token])
    today = adict.state.today()
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket), today=today)
    yesterday = datetime.combine(today - timedelta(days=1), time(0), PARIS).astimezone(UTC)
    _judge(build_collect_grdf, {"logical_date": yesterday}, proxies, airflow_home, "grdf")
