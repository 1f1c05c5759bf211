"""collect_azur (supplier API road -> raw zone -> extraction -> warehouse), then export_invoices
(warehouse -> ERP, the delivery DAG on the invoice Asset), with 30 % faults on every connection they
use: the supplier API, S3, the ERP (HTTP proxies) and the warehouse (TCP proxy cutting PostgreSQL
connections). Afterwards every invoice the API serves is in the raw zone,
the warehouse and the ERP, each once; or the run is red and a clean re-run brings exactly what it
named as missing. A clean re-run then adds nothing."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.faults.proxy import FaultProxy, FaultTcpProxy, s3_error
from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.faults, pytest.mark.airflow, pytest.mark.services, pytest.mark.timeout(420)]

AZUR_YAML = """
code: azur
name: Azur Électricité
energy: electricity
invoice_template: azur
roads:
  - type: api
    conn_id: api_azur
    gateway: azur
    execution_timeout_minutes: 5
    accounts:
      - {id: AZ-API, conn_id: azur_api_az_api}
exports: [erp]
"""
EXPORT_YAML = """
organization: org-faults
select: {suppliers: [azur]}
exporters:
  - {name: erp, type: rest, conn_id: collecte_erp, path: /api/v1/supplier-invoices, max_attempts: 6,
     backoff_seconds: 0.2}
"""


def _state(pg_url: str, zone, erp_url: str) -> dict:
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        invoices = [r[0] for r in conn.execute(
            "SELECT invoice_number FROM invoice WHERE supplier = 'azur' ORDER BY 1").fetchall()]
        quarantined = conn.execute("SELECT count(*) FROM quarantine_record").fetchone()[0]
        deliveries = conn.execute("SELECT status, count(*) FROM export_delivery GROUP BY 1").fetchall()
    erp = httpx.get(erp_url + "/api/v1/supplier-invoices", headers={"Authorization": "Bearer erp-demo-token"},
                    timeout=10).json()["items"]
    return {"raw": sorted(zone.keys("raw/source=azur/kind=invoice_pdf/")), "invoices": invoices,
            "quarantined": quarantined, "deliveries": dict(deliveries),
            "erp": sorted(item["invoice_number"] for item in erp)}


def test_collect_azur_through_30_percent_faults(portals, airflow_home, postgres_server, s3_server, demo_erp,
                                                tmp_path, monkeypatch):
    from collecte.config.loader import load_supplier
    from collecte.dags.delivery import build_export_dag
    from collecte.dags.factory import build_supplier_dag
    from collecte.landing.raw_zone import RawZone
    from collecte.warehouse.db import connect
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY
    from tests.integration.portals.test_collect_volta_dag import _sign_mandate

    httpx.post(demo_erp.base_url + "/_sandbox/reset", timeout=5).raise_for_status()
    (tmp_path / "suppliers").mkdir()
    (tmp_path / "exports").mkdir()
    (tmp_path / "suppliers" / "azur.yaml").write_text(AZUR_YAML, encoding="utf-8")
    (tmp_path / "exports" / "org.yaml").write_text(EXPORT_YAML, encoding="utf-8")
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("COLLECTE_RETRY_DELAY_SECONDS", "1")
    zone = RawZone(airflow_home.s3, airflow_home.bucket)
    with connect(airflow_home.pg_url) as conn:
        _sign_mandate(conn, zone, [("azur", "AZ-API")])
    served = portals.server.state.documents.invoices(account(portals, "azur", "AZ-API"))
    first, last = sorted(i.invoice_date for i in served)[-3], max(i.invoice_date for i in served)
    span = {"from": first.isoformat(), "to": last.isoformat()}  # the last invoices: keeps the run short
    truth = sorted(i.number for i in served if first <= i.invoice_date <= last)

    proxies = [FaultProxy(portals["azur_api"], rate=0.3, seed=31, stall=1.0, retry_after=1),
               FaultProxy(s3_server.endpoint_url, rate=0.3, seed=32, stall=1.0, retry_after=1,
                          error_body=s3_error),
               FaultProxy(demo_erp.base_url, rate=0.3, seed=33, stall=1.0, retry_after=1),
               FaultTcpProxy(postgres_server.port, rate=0.3, seed=34, cut_after=(0.2, 3.0))]
    api, s3, erp, pg = (p.start() for p in proxies)
    try:
        db_name = airflow_home.pg_url.rsplit("/", 1)[1]
        connections = {
            "API_AZUR": {"conn_type": "http", "host": api.url},
            "AZUR_API_AZ_API": {"conn_type": "generic", "password": account(portals, "azur", "AZ-API").api_key},
            "COLLECTE_S3": {"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                            "extra": {"endpoint_url": s3.url, "region_name": REGION,
                                      # retries in collecte's layer only, with short waits: a bounded test
                                      "config_kwargs": {"connect_timeout": 1, "read_timeout": 0.5,
                                                        "retries": {"total_max_attempts": 1, "mode": "standard"}},
                                      "retry_policy": {"attempts": 8, "backoff": 0.05, "max_backoff": 0.5}}},
            "COLLECTE_ERP": {"conn_type": "http", "host": erp.url, "password": "erp-demo-token"},
            "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": "127.0.0.1", "port": pg.port,
                                   "login": "postgres", "schema": db_name},
        }
        for name, fields in connections.items():
            monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(fields))
        dag = build_supplier_dag(load_supplier(tmp_path / "suppliers" / "azur.yaml"))
        faulty = dag.test(run_conf=span)
        delivered = build_export_dag().test(run_conf={"suppliers": ["azur"]})
        after_faults = _state(airflow_home.pg_url, zone, demo_erp.base_url)
        injected = {type(p).__name__ + str(i): dict(p.counts) for i, p in enumerate(proxies)}
        for p in proxies:
            p.set_rate(0.0)
        clean = dag.test(run_conf=span)
        assert build_export_dag().test(run_conf={"suppliers": ["azur"]}).state == "success"
        after_clean = _state(airflow_home.pg_url, zone, demo_erp.base_url)
    finally:
        for p in proxies:
            p.stop()

    print("faults injected:", injected, "first runs:", faulty.state, delivered.state)
    assert sum(v for c in injected.values() for k, v in c.items() if k != "passed") >= 10
    assert clean.state == "success"
    # everything the API serves is collected, once: raw zone, warehouse, ERP
    assert len(after_clean["raw"]) == len(truth)
    assert after_clean["invoices"] == truth and after_clean["quarantined"] == 0
    assert after_clean["erp"] == truth  # one ERP record per invoice: no duplicate from retried POSTs
    assert after_clean["deliveries"] == {"delivered": len(truth)}
    if faulty.state == delivered.state == "success":
        assert after_faults == after_clean  # a green run had everything: the clean re-run added nothing
