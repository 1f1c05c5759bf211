"""Celery mode end to end: Redis as the broker, PostgreSQL as Airflow's metadata database, two
`airflow celery worker` processes on this machine (the components started as tests/faults and
`make demo EXECUTOR=celery` start them). A supplier DAG (collect_azur, the API road) and
collect_enedis (two collecting tasks at once: pool `enedis` of 2 slots) run through them:

- tasks ran on both workers (the host name each task instance recorded);
- the warehouse ends identical to a LocalExecutor-style run (`dag.test()`) of the same span;
- the Enedis sandbox almost never had to refuse a call (at most one 429, from jitter): the two
  workers shared one 5 calls/s bucket (each task takes the whole rate; alone they would send 2 x 5/s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from collecte.warehouse.db import connect
from tests.faults.airflow_stack import AirflowStack
from tests.faults.test_supplier_road_under_faults import AZUR_YAML
from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.celery, pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(900)]
REPO = Path(__file__).resolve().parents[3]
WORKERS = ("worker1", "worker2")
# columns that differ between two runs by nature (clock, run ids, serial ids), not by content
VOLATILE = ("_at", "run_id", "attempt_id")
# bookkeeping of runs, and the consent registry the test seeds (mandate ids are random)
SKIPPED_TABLES = {"schema_migrations", "rate_limit_call", "rate_limit_bucket", "validation_result",
                  "account_attempt", "audit_event", "incident", "audit_log", "mandate", "mandate_scope"}


def config_dir(tmp_path: Path) -> Path:
    """The project's config with azur as the only supplier and Enedis on a 2-slot pool, batches of 3."""
    import yaml

    folder = tmp_path / "config"
    shutil.copytree(REPO / "include" / "config", folder)
    shutil.rmtree(folder / "suppliers")
    (folder / "suppliers").mkdir()
    (folder / "suppliers" / "azur.yaml").write_text(AZUR_YAML, encoding="utf-8")
    enedis = yaml.safe_load((folder / "operators" / "enedis.yaml").read_text(encoding="utf-8"))
    enedis |= {"pool_slots": 2, "batch_size": 3}
    (folder / "operators" / "enedis.yaml").write_text(yaml.safe_dump(enedis), encoding="utf-8")
    return folder


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every warehouse table's rows, sorted, without the columns that name a moment or a run."""
    snap = {}
    with connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_type = 'BASE TABLE' ORDER BY 1")]
        for table in tables:
            if table in SKIPPED_TABLES:
                continue
            columns = [r[0] for r in conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name = %s ORDER BY ordinal_position", (table,))
                if not (r[0].endswith(VOLATILE) or r[0] == "id" or r[1].startswith("timestamp"))]
            if not columns:
                continue
            selected = ", ".join('"' + c + '"' for c in columns)
            rows = conn.execute(f'SELECT {selected} FROM "{table}"').fetchall()
            if rows:
                snap[table] = sorted(rows, key=repr)
    return snap


def seed(url: str, zone) -> None:
    """The demo organization's mandates (Enedis meters) and one for the azur API account."""
    from collecte.consent.demo import seed_demo
    from tests.integration.portals.test_collect_volta_dag import _sign_mandate

    with connect(url) as conn:
        seed_demo(conn, zone)
        _sign_mandate(conn, zone, [("azur", "AZ-API")])


def connections(pg_port: int, db: str, s3_url: str, enedis_url: str, portals, erp_url: str) -> dict[str, dict]:
    from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY

    return {
        "API_AZUR": {"conn_type": "http", "host": portals["azur_api"]},
        "AZUR_API_AZ_API": {"conn_type": "generic", "password": account(portals, "azur", "AZ-API").api_key},
        "ENEDIS_DATACONNECT": {"conn_type": "http", "host": enedis_url, "login": CLIENT_ID, "password": CLIENT_SECRET,
                               "extra": {"calls_per_second": 5, "calls_per_hour": 1000, "pool_slots": 2,
                                         "timeout": 20}},
        "COLLECTE_S3": {"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                        "extra": {"endpoint_url": s3_url, "region_name": REGION}},
        "COLLECTE_ERP": {"conn_type": "http", "host": erp_url, "password": "erp-demo-token"},
        "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": "127.0.0.1", "port": pg_port,
                               "login": "postgres", "schema": db},
    }


def hostnames(stack: AirflowStack, dag_id: str, run_id: str) -> dict[str, str]:
    items = stack.http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                           params={"limit": 100}).json()["task_instances"]
    return {f"{t['task_id']}[{t['map_index']}]": t.get("hostname") or "" for t in items if t["state"] == "success"}


def test_two_celery_workers_collect_like_one_local_run(portals, postgres_server, s3_server,
                                                       demo_erp, airflow_db, tmp_path, monkeypatch):
    from collecte.config import load_suppliers
    from collecte.dags.enedis import build_collect_enedis
    from collecte.dags.factory import build_supplier_dag
    from collecte.landing.raw_zone import RawZone
    from collecte.sources import ratelimit
    from sandbox.enedis import start_enedis
    from sandbox.services.common import free_port
    from sandbox.services.redis import RedisServer
    from sandbox.workers import WorkerProcesses, celery_env

    config = config_dir(tmp_path)
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(config))
    enedis = start_enedis(0, tmp_path / "m023")
    enedis.state.today = None  # the real date: the span below is published
    last = date.today() - timedelta(days=3)
    metering_span = {"from": last.isoformat(), "to": last.isoformat()}
    served = portals.server.state.documents.invoices(account(portals, "azur", "AZ-API"))
    first_invoice = sorted(i.invoice_date for i in served)[-3]
    supplier_span = {"from": first_invoice.isoformat(), "to": max(i.invoice_date for i in served).isoformat()}

    # -- the Celery deployment: its own warehouse, bucket and metadata database ----------------------
    tag = uuid.uuid4().hex[:6]
    warehouse = postgres_server.create_database(f"celery_wh_{tag}", template="collecte_template")
    metadata = postgres_server.create_database(f"celery_airflow_{tag}")
    bucket = f"celery-{tag}"
    s3_server.ensure_bucket(bucket)
    seed(warehouse, RawZone(s3_server.client(), bucket))
    redis = RedisServer(tmp_path / "redis", free_port(), attached=True).start()
    conns = connections(postgres_server.port, warehouse.rsplit("/", 1)[1], s3_server.endpoint_url, enedis.base_url,
                        portals, demo_erp.base_url)
    env = {f"AIRFLOW_CONN_{k}": json.dumps(v) for k, v in conns.items()}
    env |= celery_env(redis.url, metadata, rate_limit_url=warehouse)
    env |= {"AIRFLOW_VAR_COLLECTE_BUCKET": bucket, "COLLECTE_CONFIG_DIR": str(config),
            "COLLECTE_RETRY_DELAY_SECONDS": "2", "AIRFLOW__CORE__PARALLELISM": "6",
            # only the runs triggered below: unpausing must not add the latest scheduled interval's run
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            # AirflowStack's short heartbeats are for kill -9 tests; a loaded CI machine needs slack
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "300",
            "PYTHONPATH": os.pathsep.join([str(REPO / "include"), str(REPO)])}
    dags = tmp_path / "dags"
    dags.mkdir()
    for name in ("collect_suppliers.py", "collect_enedis.py"):
        shutil.copy(REPO / "dags" / name, dags)
    home = tmp_path / "airflow"
    home.mkdir()
    stack = AirflowStack(home, dags, env)
    workers = WorkerProcesses(home, stack.env())
    started = time.monotonic()
    try:
        stack.migrate()
        pools = subprocess.run([str(stack_bin()), "pools", "set", "enedis", "2", "Enedis: 5 calls/s in all"],
                               env=stack.env(), capture_output=True, text=True, timeout=120)
        assert pools.returncode == 0, pools.stderr[-1500:]
        for name in ("api-server", "dag-processor", "scheduler", "triggerer"):  # deferrable publication sensor
            stack.start(name)
        for name in WORKERS:
            workers.start(name)  # every queue, one slot each
        stack.wait_for_api()
        stack.wait_for_dag("collect_azur")
        stack.wait_for_dag("collect_enedis")
        print(f"[{time.monotonic() - started:5.1f} s] stack up: redis, PostgreSQL metadata, 2 celery workers")
        runs = {"collect_enedis": stack.trigger("collect_enedis", metering_span),
                "collect_azur": stack.trigger("collect_azur", supplier_span)}
        states = {dag_id: stack.wait_for_run(dag_id, run_id, timeout=300) for dag_id, run_id in runs.items()}
        print(f"[{time.monotonic() - started:5.1f} s] runs ended: {states}")
        hosts = {dag_id: hostnames(stack, dag_id, run_id) for dag_id, run_id in runs.items()}
        tasks = {dag_id: stack.task_states(dag_id, run_id) for dag_id, run_id in runs.items()}
    finally:
        workers.stop()
        stack.stop()
        redis.stop()
    celery_stats = enedis.state.stats.as_dict()
    celery_snapshot = snapshot(warehouse)

    # -- the same spans, LocalExecutor-style (dag.test in this process), on a fresh warehouse -------
    enedis.state.stats.__init__()  # count the baseline's calls on their own
    baseline = postgres_server.create_database(f"local_wh_{tag}", template="collecte_template")
    local_bucket = f"local-{tag}"
    s3_server.ensure_bucket(local_bucket)
    seed(baseline, RawZone(s3_server.client(), local_bucket))
    for name, value in connections(postgres_server.port, baseline.rsplit("/", 1)[1], s3_server.endpoint_url,
                                   enedis.base_url, portals, demo_erp.base_url).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(value))
    monkeypatch.setenv("AIRFLOW_VAR_COLLECTE_BUCKET", local_bucket)
    monkeypatch.delenv(ratelimit.RATE_LIMIT_URL_ENV, raising=False)
    ratelimit._SHARED.clear()  # noqa: SLF001 - a fresh process, as each Airflow task is
    azur = next(s for s in load_suppliers() if s.code == "azur")
    local_states = {"collect_enedis": build_collect_enedis().test(run_conf=metering_span).state,
                    "collect_azur": build_supplier_dag(azur).test(run_conf=supplier_span).state}
    local_snapshot = snapshot(baseline)
    enedis.stop()

    print("celery hosts:", hosts, "\nsandbox (celery run):", celery_stats)
    assert states == {"collect_enedis": "success", "collect_azur": "success"}, tasks
    assert local_states == {"collect_enedis": "success", "collect_azur": "success"}
    # tasks ran on both workers (each records <fqdn>/<worker name>)
    used = {host.rsplit("/", 1)[-1] for per_dag in hosts.values() for host in per_dag.values()}
    assert used == set(WORKERS), hosts
    collecting = [h for t, h in hosts["collect_enedis"].items() if t.startswith("collect_batch")]
    assert len(collecting) >= 3  # 10 meters in batches of 3 (the ones the gate refuses make fewer)
    # the same data, row for row
    assert celery_snapshot.keys() == local_snapshot.keys()
    differing = {t: (len(celery_snapshot[t]), len(local_snapshot.get(t, []))) for t in celery_snapshot
                 if celery_snapshot[t] != local_snapshot.get(t)}
    assert differing == {}, [(t, [r for r in celery_snapshot[t] if r not in local_snapshot.get(t, [])][:3],
                              [r for r in local_snapshot.get(t, []) if r not in celery_snapshot[t]][:3])
                             for t in differing]
    assert {"invoice", "daily_energy", "load_curve", "meter_status"} <= celery_snapshot.keys()
    # two collecting tasks at once on two workers, one 5 calls/s bucket (each task takes the whole rate:
    # without the shared bucket they would send 10/s, dozens of 429s). The bucket's 50 ms margin per
    # window is sized for throughput, so a loaded machine's jitter may cost one 429 (honoured), no more
    assert celery_stats["calls"] >= 30
    assert celery_stats["rate_limited"] <= 1, celery_stats


def stack_bin() -> Path:
    from tests.faults.airflow_stack import BIN

    return BIN / "airflow"
