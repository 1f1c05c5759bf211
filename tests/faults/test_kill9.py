"""kill -9 in the middle of a run: a worker (its task process), the scheduler, then PostgreSQL; each
comes back (the worker by Airflow's retry, the scheduler and PostgreSQL restarted by the test).
Real Airflow components (api-server, scheduler, dag-processor; LocalExecutor) on a temporary
AIRFLOW_HOME, as `make demo` runs them. Afterwards every invoice the supplier API serves is in the
raw zone, the warehouse and the ERP, each exactly once."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.faults.airflow_stack import AirflowStack
from tests.faults.proxy import FaultProxy
from tests.faults.test_supplier_road_under_faults import AZUR_YAML, EXPORT_YAML
from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.timeout(420)]
REPO = Path(__file__).resolve().parents[2]
DAG_ID = "collect_azur"
EXPORT_DAG_ID = "export_invoices"


def _kill_postgres(server) -> None:
    """SIGKILL the postmaster and every backend (a crash), then start the cluster again (recovery)."""
    import psutil

    main = psutil.Process(server._process.pid)
    for proc in [*main.children(recursive=True), main]:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)
    server._process.wait(timeout=10)
    psutil.wait_procs(main.children(recursive=True) if main.is_running() else [], timeout=10)
    server._process = None
    (server.data_dir / "postmaster.pid").unlink(missing_ok=True)
    time.sleep(1.0)
    server.start()


def _wait(what: str, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill9_scheduler_worker_and_postgres_mid_run(portals, services_dir, s3_server, s3, demo_erp,
                                                     tmp_path):
    from collecte.landing.raw_zone import RawZone
    from collecte.warehouse.db import connect, migrate
    from sandbox.services.common import free_port
    from sandbox.services.postgres import PostgresServer
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY
    from tests.integration.portals.test_collect_volta_dag import _sign_mandate

    client, bucket = s3
    zone = RawZone(client, bucket)
    httpx.post(demo_erp.base_url + "/_sandbox/reset", timeout=5).raise_for_status()
    pg = PostgresServer(services_dir / f"pg-kill-{uuid.uuid4().hex[:6]}", free_port(), attached=True).start()
    pg_url = pg.create_database("collecte")
    with connect(pg_url) as conn:
        migrate(conn)
        _sign_mandate(conn, zone, [("azur", "AZ-API")])

    served = portals.server.state.documents.invoices(account(portals, "azur", "AZ-API"))
    first, last = sorted(i.invoice_date for i in served)[-3], max(i.invoice_date for i in served)
    truth = sorted(i.number for i in served if first <= i.invoice_date <= last)

    config = tmp_path / "config"
    (config / "suppliers").mkdir(parents=True)
    (config / "exports").mkdir()
    (config / "suppliers" / "azur.yaml").write_text(AZUR_YAML, encoding="utf-8")
    (config / "exports" / "org.yaml").write_text(EXPORT_YAML, encoding="utf-8")
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(REPO / "dags" / "collect_suppliers.py", dags)
    shutil.copy(REPO / "dags" / "export_invoices.py", dags)  # delivery, scheduled on the invoice Asset

    api = FaultProxy(portals["azur_api"], rate=0.0, delay=1.0).start()  # slow API: the task runs for seconds
    connections = {
        "API_AZUR": {"conn_type": "http", "host": api.url},
        "AZUR_API_AZ_API": {"conn_type": "generic", "password": account(portals, "azur", "AZ-API").api_key},
        "COLLECTE_S3": {"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                        "extra": {"endpoint_url": s3_server.endpoint_url, "region_name": REGION}},
        "COLLECTE_ERP": {"conn_type": "http", "host": demo_erp.base_url, "password": "erp-demo-token"},
        "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": "127.0.0.1", "port": pg.port,
                               "login": "postgres", "schema": "collecte"},
    }
    env = {f"AIRFLOW_CONN_{k}": json.dumps(v) for k, v in connections.items()}
    env |= {"AIRFLOW_VAR_COLLECTE_BUCKET": bucket, "COLLECTE_CONFIG_DIR": str(config),
            "COLLECTE_RETRY_DELAY_SECONDS": "1",
            "PYTHONPATH": os.pathsep.join([str(REPO / "include"), str(REPO)])}
    home = tmp_path / "airflow"
    home.mkdir()
    stack = AirflowStack(home, dags, env)
    kills: list[str] = []
    started = time.monotonic()

    def mark(what: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {what}")

    try:
        stack.migrate()
        mark("metadata db migrated")
        for name in ("api-server", "dag-processor", "scheduler"):  # all three start together
            stack.start(name)
        stack.wait_for_api()
        stack.wait_for_dag(DAG_ID)
        stack.wait_for_dag(EXPORT_DAG_ID)
        stack.http.patch(f"/api/v2/dags/{EXPORT_DAG_ID}", json={"is_paused": False}).raise_for_status()
        mark("components up, DAG parsed")
        run_id = stack.trigger(DAG_ID, {"from": first.isoformat(), "to": last.isoformat()})

        # 1. a worker dies with its task process while the account is being collected
        _wait("the API task to call the API", lambda: api.counts["passed"] >= 2, 120)
        workers = stack.busy_workers()
        assert workers, "no busy LocalExecutor worker found"
        pids = sorted(workers)
        print("killing", workers)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        kills.append(f"worker {pids}")
        mark("worker killed")

        # 2. the scheduler dies; a new one is started two seconds later
        stack.kill9("scheduler")
        kills.append("scheduler")
        time.sleep(2)
        stack.start("scheduler")
        mark("scheduler killed and restarted")

        # 3. PostgreSQL dies while the invoices are extracted and loaded, and restarts (crash recovery)
        _wait("the extraction to start", lambda: any(
            k.startswith("extract_invoices") and s == "running"
            for k, s in stack.task_states(DAG_ID, run_id).items()), 150)
        _kill_postgres(pg)
        kills.append("postgresql")
        mark("postgresql killed and restarted")

        state = stack.wait_for_run(DAG_ID, run_id, timeout=150)
        tasks = stack.task_states(DAG_ID, run_id)
        mark(f"run ended: {state}")
        if state != "success":  # red: a clean re-run must bring what is missing, and only that
            rerun = stack.trigger(DAG_ID, {"from": first.isoformat(), "to": last.isoformat()})
            assert stack.wait_for_run(DAG_ID, rerun, timeout=150) == "success", stack.task_states(DAG_ID, rerun)
        # the invoice Asset update schedules the delivery: wait for its runs to end
        _wait("the export run(s) to end", lambda: stack.runs_done(EXPORT_DAG_ID), 120)
        exports = stack.run_states(EXPORT_DAG_ID)
        mark(f"export runs: {exports}")
        assert "success" in exports
    finally:
        stack.stop()
        api.stop()

    with connect(pg_url) as conn:
        invoices = [r[0] for r in conn.execute(
            "SELECT invoice_number FROM invoice WHERE supplier = 'azur' ORDER BY 1").fetchall()]
        deliveries = conn.execute("SELECT status, count(*) FROM export_delivery GROUP BY 1").fetchall()
    pg.stop()
    erp = httpx.get(demo_erp.base_url + "/api/v1/supplier-invoices",
                    headers={"Authorization": "Bearer erp-demo-token"}, timeout=10).json()["items"]
    print("kills:", kills, "first run:", state, tasks)
    assert kills == [kills[0], "scheduler", "postgresql"]
    assert len(zone.keys("raw/source=azur/kind=invoice_pdf/")) == len(truth)  # nothing lost, nothing twice
    assert invoices == truth
    assert sorted(item["invoice_number"] for item in erp) == truth
    assert dict(deliveries) == {"delivered": len(truth)}
