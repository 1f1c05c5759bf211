"""Fault injection into one SFTP batch (#11 "Done when"): good files mixed with bad ones of every kind.

Every good file is loaded, every bad one quarantined with a reason (a duplicate under another name
is recorded as such and loaded once), nothing is archived without a status, a re-run changes nothing.
"""

from __future__ import annotations

import uuid

import pytest

from collecte.warehouse.db import connect
from sandbox import drops
from tests.integration.bad_files import bad_csvs, bad_pdfs

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(420)]


def _config(tmp_path, monkeypatch, account: str, remote_dir: str) -> None:
    import shutil

    import yaml

    from tests.conftest import REPO

    config = tmp_path / "config"
    shutil.copytree(REPO / "include" / "config", config, dirs_exist_ok=True)
    path = config / "suppliers" / "nordis.yaml"
    nordis = yaml.safe_load(path.read_text())
    nordis["roads"][0].update(remote_dir=remote_dir, sensor_timeout_seconds=3, sensor_poke_seconds=1, accounts=[{"id": account}])
    path.write_text(yaml.safe_dump(nordis, allow_unicode=True))
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(config))


def _state(pg_url: str) -> dict:
    with connect(pg_url) as conn:
        return {
            "invoices": conn.execute("SELECT invoice_number, raw_key FROM invoice ORDER BY 1").fetchall(),
            "consumption": conn.execute("SELECT count(*), sum(kwh) FROM supplier_consumption").fetchone(),
            "quarantine": dict(conn.execute("SELECT raw_key, string_agg(reason, ' | ') FROM quarantine_record"
                                            " GROUP BY raw_key").fetchall()),
            "files": {r[0]: r[1:] for r in conn.execute(
                "SELECT file_name, status, raw_key, detail, archived_path FROM file_status"
                " WHERE status <> 'missing'")},
        }


def test_one_sftp_batch_of_good_and_bad_files(airflow_home, tmp_path, monkeypatch):
    from collecte.config import load_suppliers
    from collecte.consent.demo import seed_demo
    from collecte.dags.factory import build_supplier_dag
    from collecte.landing.raw_zone import RawZone

    env = airflow_home
    folder = f"bad-{uuid.uuid4().hex[:8]}"  # a drop folder of this test's own (sshd's root is per session)
    outgoing = env.sftp_root / folder / "outgoing"
    good = drops.drop_history(outgoing, "nordis", account_seed=33, months=2, n_sites=2)
    account = good[0].pdf.name.split("_")[2]
    expected = {}  # file name -> what its quarantine reason must say
    seq = 10
    for bad in bad_pdfs() + bad_csvs(good[0].csv.read_bytes()):
        seq += 1
        flow = "FAC" if bad.ext == "pdf" else "CONSO"
        path = outgoing / f"NRD_{flow}_{account}_2027{seq - 10:02d}_{seq:06d}.{bad.ext}"
        path.write_bytes(bad.content)
        drops._aged(path)
        expected[path.name] = bad.reason_holds
    duplicate = outgoing / f"NRD_FAC_{account}_202712_{seq + 1:06d}.pdf"
    duplicate.write_bytes(good[0].pdf.read_bytes())  # the same invoice again, under another name
    drops._aged(duplicate)
    _config(tmp_path, monkeypatch, account, f"{folder}/outgoing")
    with connect(env.pg_url) as conn:
        seed_demo(conn, RawZone(env.s3, env.bucket))
        conn.commit()
    dag = build_supplier_dag(next(s for s in load_suppliers() if s.code == "nordis"))

    run = dag.test()
    tasks = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert tasks["sftp.land_files"] == tasks["load_consumption"] == tasks["sftp.file_report"] == "success", tasks
    assert tasks["quarantine_notice"] == "failed" and run.state == "failed"  # red, naming the quarantine
    state = _state(env.pg_url)
    # every good file loaded
    assert [n for n, _ in state["invoices"]] == sorted(m.invoice_number for m in good)
    assert state["consumption"][0] == sum(m.rows for m in good)
    # every bad file quarantined with its reason, under the raw key it landed as
    for name, reason in expected.items():
        status, raw_key, _, archived = state["files"][name]
        assert status == "landed" and raw_key and archived, name
        assert reason in state["quarantine"].get(raw_key, ""), (name, state["quarantine"].get(raw_key))
    # the duplicate: recorded as one, with the file it repeats; its invoice loaded once
    status, raw_key, detail, archived = state["files"][duplicate.name]
    assert status == "duplicate" and good[0].pdf.name in detail and archived
    assert raw_key == dict(state["invoices"])[good[0].invoice_number]
    # nothing archived without a status, nothing left behind
    processed = {p.name for p in (outgoing / "processed").iterdir()}
    assert processed == set(state["files"]) and not [p for p in outgoing.iterdir() if p.is_file()]
    assert all(state["files"][name][3] for name in processed)

    # a re-run of the same interval changes nothing
    rerun = dag.test()
    assert rerun.state == "success"  # nothing new: nothing quarantined again
    assert _state(env.pg_url) == state
