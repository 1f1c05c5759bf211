"""collect_nordis end to end: sshd drop -> raw zone -> parsed, checked -> PostgreSQL, idempotent."""

from __future__ import annotations

import pytest

from collecte.warehouse.db import connect
from sandbox import drops

pytestmark = [pytest.mark.services, pytest.mark.airflow]


@pytest.fixture
def nordis_config(tmp_path, monkeypatch):
    """Write the shipped config with these nordis accounts and a sensor giving up after 3 s."""
    import shutil

    import yaml

    from tests.conftest import REPO

    def write(accounts: list[str]) -> None:
        config = tmp_path / "config"
        shutil.copytree(REPO / "include" / "config", config, dirs_exist_ok=True)
        path = config / "suppliers" / "nordis.yaml"
        nordis = yaml.safe_load(path.read_text())
        nordis["roads"][0].update(sensor_timeout_seconds=3, sensor_poke_seconds=1,
                                  accounts=[{"id": a} for a in accounts])
        path.write_text(yaml.safe_dump(nordis, allow_unicode=True))
        monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(config))

    return write


def _account(path) -> str:
    return path.name.split("_")[2]


def _nordis_dag():
    from collecte.config import load_suppliers
    from collecte.dags.factory import build_supplier_dag

    return build_supplier_dag(next(s for s in load_suppliers() if s.code == "nordis"))


def _state(pg_url: str) -> dict:
    with connect(pg_url) as conn:
        return {
            "consumption": conn.execute(
                "SELECT meter_id, period_start, time_class, kwh FROM supplier_consumption ORDER BY 1, 2, 3"
            ).fetchall(),
            "files": dict(conn.execute("SELECT file_name, status FROM file_status").fetchall()),
            "quarantine": conn.execute(
                "SELECT record_ref, reason FROM quarantine_record ORDER BY 1").fetchall(),
            "invoices": conn.execute(
                "SELECT invoice_number, total_incl_tax, raw_key FROM invoice ORDER BY 1").fetchall(),
            "invoice_lines": conn.execute("SELECT count(*) FROM invoice_line").fetchone()[0],
            "exported": conn.execute("SELECT count(*) FROM export_delivery").fetchone()[0],
        }


def _asset_suppliers(dataset: str) -> list[str]:
    """The `supplier` extras of the Asset events recorded for a warehouse dataset."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = (session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                  .filter(AssetModel.uri == f"collecte://warehouse/{dataset}").all())
        return sorted({(e.extra or {}).get("supplier") for e in events})


def _raw_keys(env) -> list[str]:
    pages = env.s3.get_paginator("list_objects_v2").paginate(Bucket=env.bucket, Prefix="raw/")
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def _sign_demo_mandates(env) -> None:
    from collecte.consent.demo import seed_demo
    from collecte.landing.raw_zone import RawZone

    with connect(env.pg_url) as conn:
        seed_demo(conn, RawZone(env.s3, env.bucket))
        conn.commit()


def test_collect_nordis_end_to_end_and_idempotent(airflow_home, nordis_config):
    env = airflow_home
    outgoing = env.sftp_root / "nordis" / "outgoing"
    months = drops.drop_history(outgoing, "nordis", account_seed=11, months=2, first_sequence=1,
                                n_sites=3)
    # Scenarios: a malformed CSV row, a missing sequence number (#4 after #3... #5), a file that
    # is not a CSV, a file still uploading, a hostile name.
    drops.corrupt_csv_row(months[1].csv, 3, "80337726874684;Site;01/08/2026;31/08/2026;HPB;douze;X")
    later = drops.drop_history(outgoing, "nordis", account_seed=12, months=1, first_sequence=5, n_sites=2)
    account = _account(later[0].pdf)
    drops.drop_not_a_csv(outgoing, f"NRD_CONSO_{account}_202609_000006.csv")
    drops.drop_partial_upload(outgoing, f"NRD_FAC_{account}_202609_000007.pdf", b"%PDF-1.7 partial")
    no_mandate = drops.drop_history(outgoing, "nordis", account_seed=1, months=1, first_sequence=8)
    # mandates for the first two accounts only: the third one's files must wait on the server
    nordis_config([_account(months[0].pdf), account])
    _sign_demo_mandates(env)
    drops.drop_hostile_name(outgoing)
    expected_rows = sum(m.rows for m in months + later) - 1  # one row corrupted

    run = _nordis_dag().test()
    # the run is red because something was quarantined (the notice says what); every load ran
    assert run.state == "failed"
    tasks = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert tasks["quarantine_notice"] == "failed"
    assert tasks["load_consumption"] == "success"
    # collection ends at the load: the invoice Asset is updated for nordis, delivery is another DAG
    assert "export_invoices" not in tasks and "nordis" in _asset_suppliers("invoice")
    from collecte.dags.delivery import build_export_dag

    assert build_export_dag().test(run_conf={"suppliers": ["nordis"]}).state == "success"

    state = _state(env.pg_url)
    # invoices: extracted from the PDFs, checked, loaded, exported to the ERP
    truths = {m.invoice_number for m in months + later}
    assert {number for number, _, _ in state["invoices"]} == truths
    assert state["invoice_lines"] > 0
    assert state["exported"] >= len(truths)
    assert len(state["consumption"]) == expected_rows
    # raw zone: every complete PDF and CSV, unchanged, content-addressed
    keys = _raw_keys(env)
    assert len([k for k in keys if "/kind=invoice_pdf/" in k]) == 3
    assert len([k for k in keys if "/kind=consumption_csv/" in k]) == 4
    pdf_key = next(k for k in keys if "/kind=invoice_pdf/" in k and months[0].pdf.name
                   in env.s3.head_object(Bucket=env.bucket, Key=k)["Metadata"]["original-name"])
    assert env.s3.get_object(Bucket=env.bucket, Key=pdf_key)["Body"].read() == (
        outgoing / "processed" / months[0].pdf.name).read_bytes()
    # quarantine: the bad row with file, line and reason; the non-CSV file whole
    refs = dict(state["quarantine"])
    assert "not a number" in refs["line 3"] and "'douze'" in refs["line 3"]
    assert "raw/source=nordis/kind=consumption_csv/" in refs["line 3"]
    assert any(ref == "*" and "not a CSV" in reason for ref, reason in refs.items())
    # sequence gap reported, partial and hostile files left alone
    assert any(status == "missing" for status in state["files"].values())
    assert state["files"]["NRD_CONSO_..%2F..%2Fetc_000999.csv"] == "rejected"
    assert (outgoing / f"NRD_FAC_{account}_202609_000007.pdf.part").exists()
    # an account without a mandate: its files wait on the server, untouched
    assert no_mandate[0].pdf.exists() and no_mandate[0].csv.exists()
    assert state["files"][no_mandate[0].pdf.name] == "no_consent"

    # staged: canonical JSON and the annotated visual copy beside it
    staged = [item["Key"] for item in env.s3.list_objects_v2(Bucket=env.bucket, Prefix="staged/")["Contents"]]
    assert sum(k.endswith(".annotated.pdf") for k in staged) == len(truths)

    # the same interval again, nothing new on the server: the sensor gives up, nothing changes
    rerun = _nordis_dag().test()
    assert rerun.state == "success"
    assert _raw_keys(env) == keys
    assert _state(env.pg_url) == state
    # the supplier drops the same files again: they land nowhere new, and change no row
    drops.drop_again(months[0].pdf.read_bytes() if months[0].pdf.exists()
                     else (outgoing / "processed" / months[0].pdf.name).read_bytes(), outgoing, months[0].pdf.name)
    drops.drop_again((outgoing / "processed" / later[0].csv.name).read_bytes(), outgoing, later[0].csv.name)
    again = _nordis_dag().test()
    assert again.state == "success"  # nothing new quarantined: green
    assert _raw_keys(env) == keys
    assert _state(env.pg_url) == state
