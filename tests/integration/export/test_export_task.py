"""The export task as Airflow runs it (connections from the environment): an ERP outage fails the task
after recording it; the retry, once the ERP is back, sends exactly what is missing."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.export.conftest import ERP_TOKEN
from tests.unit.quality.builders import invoice

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def test_export_task_outage_then_retry(pg_url, erp, sshd_server, sftp_root, tmp_path, monkeypatch):
    from airflow.sdk.exceptions import AirflowException

    from collecte.dags.delivery import export_supplier as _export
    from collecte.quality.invoice_frames import invoice_frames
    from collecte.quality.loading import upsert_frame
    from collecte.warehouse.db import connect

    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "org.yaml").write_text(json.dumps({
        "organization": "org", "select": {"suppliers": ["volta"]},
        "exporters": [
            {"name": "erp", "type": "rest", "conn_id": "test_erp", "max_attempts": 2, "backoff_seconds": 0},
            {"name": "compta", "type": "csv_sftp", "conn_id": "test_sftp", "remote_dir": f"{sftp_root.name}/out",
             "columns": [{"header": "Piece", "field": "invoice.invoice_number"},
                         {"header": "HT", "field": "site.total_excl_tax"}]},
        ]}))
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(tmp_path))
    host, port, database = "127.0.0.1", pg_url.rsplit(":", 1)[1].split("/")[0], pg_url.rsplit("/", 1)[1]
    connections = {
        "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": host, "port": int(port), "login": "postgres",
                               "schema": database},
        "TEST_ERP": {"conn_type": "http", "host": erp, "password": ERP_TOKEN},
        "TEST_SFTP": {"conn_type": "sftp", "host": host, "port": sshd_server.port, "login": sshd_server.username,
                      "extra": sshd_server.connection_extra()},
    }
    for name, value in connections.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(value))
    with connect(pg_url, autocommit=True) as conn:
        for name, frame in invoice_frames([invoice("FV-1"), invoice("FV-2")],
                                          raw_keys=["raw/source=volta/x.pdf"] * 2).items():
            upsert_frame(conn, name, frame)

    httpx.post(erp + "/_sandbox/outage", json={"failures": -1, "retry_after": 0})
    with pytest.raises(AirflowException, match="2 invoice deliveries failed"):
        _export.function("volta")
    assert len(list(sftp_root.rglob("*.csv"))) == 1  # the outbox did not wait for the ERP

    httpx.post(erp + "/_sandbox/outage", json={"failures": 0})
    summary = _export.function("volta")  # Airflow's retry of the task
    assert summary["exporters"] == {"org/erp": {"planned": 2, "delivered": 2, "failed": 0},
                                    "org/compta": {"planned": 0, "delivered": 0, "failed": 0}}
    assert len(list(sftp_root.rglob("*.csv"))) == 1
    stored = httpx.get(erp + "/api/v1/supplier-invoices", headers={"Authorization": f"Bearer {ERP_TOKEN}"}).json()
    assert [s["invoice_number"] for s in stored["items"]] == ["FV-1", "FV-2"]
