"""collect_volta end to end with dag.test(): mapped accounts, consent gate, statuses, retry policy,
consumption loaded, and no password anywhere (task logs, XCom, S3 metadata and evidence, warehouse)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.airflow, pytest.mark.browser, pytest.mark.services, pytest.mark.timeout(240)]

WRONG_PASSWORD = "Wr0ng-but-SECRET-too!"

VOLTA_YAML = """
code: volta
name: Volta Énergie
energy: electricity
tags: [portal]
consumption_csv:
  delimiter: ";"
  decimal: ","
  encoding: utf-8-sig
  date_format: "%d/%m/%Y"
  columns: {meter_id: PDL, site_name: Site, period_start: Debut, period_end: Fin, time_class: Classe,
            kwh: kWh, invoice_number: Facture}
roads:
  - type: portal
    conn_id: portal_volta
    gateway: volta
    pool: portal_volta
    accounts:
      - {id: V-SECRET, conn_id: volta_v_secret}
      - {id: V-LAYOUT, conn_id: volta_v_layout, options: {timeout_ms: 2000}}
      - {id: V-WRONG, conn_id: volta_v_wrong}
      - {id: V-RECOVER, conn_id: volta_v_recover}
"""


def _sign_mandate(conn, zone, accounts: list[tuple[str, str]]) -> None:
    from collecte.consent.mandates import draft_mandate, sign

    conn.execute("INSERT INTO organization (id, name) VALUES ('org-t', 'Test SA')")
    conn.execute("INSERT INTO entity (id, organization_id, name, company_name) VALUES ('ent-t', 'org-t', 'HQ', 'Test SA')")
    conn.execute("INSERT INTO contact (id, entity_id, role, surname, first_name, email)"
                 " VALUES ('c-t', 'ent-t', 'entity_contact', 'Martin', 'Léa', 'lea@test.example')")
    draft = draft_mandate(conn, entity_id="ent-t", contact_id="c-t", start=date(2025, 1, 1), accounts=accounts,
                          meters=[], actor="test")
    sign(conn, zone, draft.id, signer_ip="127.0.0.1", actor="test", require_code=False)
    conn.commit()


def test_collect_volta_dag(portals, airflow_home, tmp_path: Path, monkeypatch, caplog, capfd):
    import logging

    from collecte.config.loader import load_supplier
    from collecte.dags.factory import build_supplier_dag
    from collecte.landing.raw_zone import RawZone
    from collecte.sources.portal.status import account_statuses
    from collecte.warehouse.db import connect

    (tmp_path / "suppliers").mkdir()
    (tmp_path / "suppliers" / "volta.yaml").write_text(VOLTA_YAML, encoding="utf-8")
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(tmp_path))
    secrets = {account(portals, "volta", login).password for login in ("V-SECRET", "V-LAYOUT", "V-RECOVER")}
    secrets.add(WRONG_PASSWORD)
    conns = {"portal_volta": {"conn_type": "http", "host": portals["volta"]}}
    for login in ("V-SECRET", "V-LAYOUT", "V-WRONG", "V-RECOVER"):
        password = WRONG_PASSWORD if login == "V-WRONG" else account(portals, "volta", login).password
        conns[f"volta_{login.lower().replace('-', '_')}"] = {"conn_type": "generic", "login": login,
                                                             "password": password}
    for conn_id, fields in conns.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
    zone = RawZone(airflow_home.s3, airflow_home.bucket)
    with connect(airflow_home.pg_url) as conn:  # V-RECOVER has no mandate
        _sign_mandate(conn, zone, [("volta", "V-SECRET"), ("volta", "V-LAYOUT"), ("volta", "V-WRONG")])

    dag = build_supplier_dag(load_supplier(tmp_path / "suppliers" / "volta.yaml"))
    caplog.set_level(logging.DEBUG)
    dagrun = dag.test(run_conf={"from": "2020-01-01", "to": "2030-12-31"})

    # -- one failing account never stops the others; each is named after its account -------------
    tis = {(ti.task_id, ti.map_index): ti for ti in dagrun.get_task_instances()}
    mapped = {ti.rendered_map_index: ti.state for (task_id, _), ti in tis.items()
              if task_id == "portal.collect_account"}
    assert mapped == {"V-SECRET": "success", "V-LAYOUT": "failed", "V-WRONG": "failed", "V-RECOVER": "skipped"}
    assert all(ti.try_number == 1 for (task_id, _), ti in tis.items() if task_id == "portal.collect_account")
    assert tis[("portal.landed", -1)].state == "success"
    assert tis[("load_consumption", -1)].state == "success"  # the stages still ran for V-SECRET
    assert tis[("portal.account_report", -1)].state == "failed"  # ... and the run shows the failures
    assert dagrun.state == "failed"

    with connect(airflow_home.pg_url) as conn:
        statuses = {acc: (row["status"], row["evidence_key"]) for acc, row in account_statuses(conn, "volta", road="portal").items()}
        consumption = conn.execute("SELECT count(*) FROM supplier_consumption WHERE supplier = 'volta'").fetchone()[0]
        warehouse_text = " ".join(str(r) for r in conn.execute(
            "SELECT * FROM account_status UNION ALL SELECT source, account_id, status, message, attempted_at,"
            " NULL, 0, new_documents, evidence_key, road FROM account_attempt").fetchall())
    assert statuses["V-SECRET"][0] == "OK" and statuses["V-WRONG"][0] == "LOGIN_FAILED"
    assert statuses["V-RECOVER"][0] == "NO_CONSENT"
    assert statuses["V-LAYOUT"][0] == "LAYOUT_CHANGED" and statuses["V-LAYOUT"][1].startswith("debug/")
    assert consumption > 0
    invoices = portals.server.state.documents.invoices(account(portals, "volta", "V-SECRET"))
    landed = zone.keys("raw/source=volta/kind=invoice_pdf/account=V-SECRET/")
    assert len(landed) == len(invoices)

    # -- the passwords appear nowhere -----------------------------------------------------------
    out, err = capfd.readouterr()
    logs = caplog.text + out + err
    log_dir = Path(airflow_home_dir()) / "logs"
    if log_dir.exists():
        logs += "".join(p.read_text(errors="replace") for p in log_dir.rglob("*") if p.is_file())
    assert "V-SECRET: OK" in logs  # the task logs were captured
    assert "2 account(s) not collected: V-LAYOUT (LAYOUT_CHANGED), V-WRONG (LOGIN_FAILED)" in logs
    xcoms = _xcom_values(dag.dag_id, dagrun.run_id)
    assert xcoms and any("raw/source=volta" in x for x in xcoms)
    metadata, debug_html = [], []
    for key in zone.keys(""):
        metadata.append(json.dumps(zone.metadata(key)))
        if key.startswith("debug/") and key.endswith(".html"):
            debug_html.append(zone.get(key).decode())
    assert debug_html  # the layout failure left its evidence
    for secret in secrets:
        assert secret not in logs
        assert not any(secret in x for x in xcoms)
        assert not any(secret in m for m in metadata)
        assert not any(secret in h for h in debug_html)
        assert secret not in warehouse_text


def airflow_home_dir() -> str:
    import os

    return os.environ["AIRFLOW_HOME"]


def _xcom_values(dag_id: str, run_id: str) -> list[str]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(XComModel).filter(XComModel.dag_id == dag_id, XComModel.run_id == run_id).all()
        return [json.dumps(row.value, default=str) for row in rows]
