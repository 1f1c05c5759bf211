"""DAG integrity: every DAG file imports, carries owner, tags, retries and docs, and does no I/O at parse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).with_name("parse_guard.py")


def parse(folder: Path) -> dict:
    """Parse `folder` in a fresh interpreter with the I/O guards on."""
    env = {**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'include'}"}
    result = subprocess.run([sys.executable, str(GUARD), str(folder)], capture_output=True, text=True,
                            env=env, timeout=240, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def parsed() -> dict:
    return parse(REPO / "dags")


def test_every_dag_file_imports(parsed):
    assert parsed["import_errors"] == {}


def test_expected_dags_exist(parsed):
    assert set(parsed["dags"]) >= {
        "collect_nordis", "collect_volta", "collect_azur", "collect_gazelec", "collect_enedis", "collect_grdf",
        "import_meter_history", "telereleve", "stop_operator_access", "gdpr_retention", "reprocess_quarantine",
        "collecte_alerts", "gdpr_erasure", "export_invoices", "crosscheck_invoices"}


def test_dags_have_owner_tags_retries_and_docs(parsed):
    for dag_id, dag in parsed["dags"].items():
        assert dag["owner"] and dag["owner"] != "airflow", dag_id
        assert dag["tags"], dag_id
        assert dag["retries"] >= 2, dag_id
        assert dag["doc"], dag_id


def test_collection_dags_announce_the_datasets_they_load(parsed):
    for dag_id, dag in parsed["dags"].items():
        if dag_id.startswith("collect_"):
            assert dag["assets"], f"{dag_id} updates no Asset"
    assert "warehouse.load_curve" in parsed["dags"]["collect_enedis"]["assets"]
    assert "warehouse.invoice" in parsed["dags"]["collect_nordis"]["assets"]


def test_failed_runs_reach_the_alerts(parsed):
    """Every DAG but the alerting one records its failed runs as incidents (one per run, not per retry)."""
    silent = [d for d, info in parsed["dags"].items() if not info["on_failure"] and d != "collecte_alerts"]
    assert silent == []


def test_every_task_runs_on_a_known_queue(parsed):
    """Celery workers listen on `browser`, `api` or `default`: a task on another queue would never run."""
    from collecte.config.models import QUEUES

    stray = {f"{d}.{t}": q for d, info in parsed["dags"].items() for t, q in info["queues"].items() if q not in QUEUES}
    assert stray == {}


def test_roads_and_operator_calls_take_their_queue(parsed):
    """Portal sessions go to `browser`, operator and supplier API calls to `api`, parsing and loading to `default`."""
    dags = parsed["dags"]
    assert dags["collect_volta"]["queues"]["portal.collect_account"] == "browser"
    assert dags["collect_azur"]["queues"]["api.collect_account"] == "api"
    assert dags["collect_nordis"]["queues"]["sftp.land_files"] == "default"
    assert dags["collect_enedis"]["queues"]["collect_batch"] == "api"
    assert dags["collect_grdf"]["queues"]["collect_batch"] == "api"
    assert dags["telereleve"]["queues"]["activate_and_order"] == "api"
    for dag_id in ("collect_volta", "collect_enedis"):
        assert dags[dag_id]["queues"]["load_consumption" if dag_id == "collect_volta" else "load_batch"] == "default"


def test_no_io_at_parse_time(parsed):
    assert parsed["io"] == []


def test_the_guard_catches_parse_time_io(tmp_path):
    (tmp_path / "bad_dag.py").write_text(
        "from datetime import datetime\n"
        "from airflow.sdk import DAG, Variable\n"
        "open('/etc/hostname').read()\n"
        "try:\n    Variable.get('x')\nexcept RuntimeError:\n    pass\n"
        "with DAG('bad', start_date=datetime(2026, 1, 1), schedule=None):\n    pass\n"
    )
    result = parse(tmp_path)
    assert any("Variable.get" in e for e in result["io"])
    assert any("/etc/hostname" in e for e in result["io"])
