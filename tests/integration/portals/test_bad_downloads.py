"""Fault injection into one portal download (#11 "Done when"): the sandbox Volta portal lists good
invoices mixed with bad PDFs of every kind (empty, cut before its xref, HTML saved as .pdf,
encrypted, 200 pages of something else) and a good invoice again under another number, and exports
bad consumption CSVs (an unbalanced quote over 128 KB, the wrong encoding) beside a good one.

Every good file is loaded, every bad download quarantined with a reason, the duplicate lands once
and loads once, a re-run changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from collecte.warehouse.db import connect
from sandbox.portals.documents import DocumentStore
from tests.integration.bad_files import bad_csvs, bad_pdfs

pytestmark = [pytest.mark.airflow, pytest.mark.browser, pytest.mark.services, pytest.mark.timeout(420)]

VOLTA_YAML = """
code: volta
name: Volta Énergie
energy: electricity
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
      - {id: V-FAULTS, conn_id: volta_v_faults}
"""


@dataclass
class _Listed:
    """What the portal's document store takes: a PDF, its truth, its file name."""

    pdf: bytes
    truth: dict
    filename: str


class _Exports(DocumentStore):
    """The portal's documents, with bad consumption exports for some contracts."""

    def __init__(self, listed: list[_Listed], bad_exports: dict[str, bytes]) -> None:
        super().__init__(generate=lambda account: listed)
        self.bad_exports = bad_exports

    def consumption_export(self, account, contract, first, last) -> bytes:
        return self.bad_exports.get(contract) or super().consumption_export(account, contract, first, last)


def _documents() -> tuple[list[_Listed], dict[str, str], list, dict[str, bytes], dict[str, str]]:
    from sandbox.invoices import generate_account_history

    good = generate_account_history("volta", account_seed=611, months=2)
    meter = good[0].truth["sites"][0]["meter_id"]
    first = date.fromisoformat(good[0].truth["invoice_date"])
    listed = [_Listed(g.pdf, g.truth, g.filename) for g in good]
    from sandbox.portals.documents import consumption_csv, to_portal_invoice

    good_csv = consumption_csv([to_portal_invoice(item) for item in listed], meter, date(2020, 1, 1),
                               date(2030, 12, 31))
    bad_exports, export_reasons = {}, {}
    for i, bad in enumerate(bad_csvs(good_csv.removeprefix(b"\xef\xbb\xbf")), start=1):
        contract = f"9999999999990{i}"  # a contract of its own, so the portal exports it apart
        bad_exports[contract] = bad.content
        export_reasons[contract] = bad.reason_holds
    contracts = [meter, *bad_exports]
    expected = {}
    for i, bad in enumerate(bad_pdfs(), start=1):
        number = f"FV-BAD-{i:03d}"
        listed.append(_Listed(bad.content, {"invoice_number": number, "document_type": "invoice",
                                            "invoice_date": (first + timedelta(days=i)).isoformat(),
                                            "total_incl_tax": 1.0,
                                            "sites": [{"meter_id": contracts[i % len(contracts)]}]},
                              f"{number}.pdf"))
        expected[number] = bad.reason_holds
    # the first invoice's PDF again under another number (listed without periods: no export rows)
    again = {"invoice_number": "FV-DUP-001", "document_type": "invoice", "total_incl_tax": 1.0,
             "invoice_date": (first + timedelta(days=9)).isoformat(), "sites": [{"meter_id": meter}]}
    listed.append(_Listed(good[0].pdf, again, "FV-DUP-001.pdf"))
    return listed, expected, good, bad_exports, export_reasons


def _state(pg_url: str) -> dict:
    with connect(pg_url) as conn:
        return {"invoices": conn.execute("SELECT invoice_number, raw_key FROM invoice ORDER BY 1").fetchall(),
                "consumption": conn.execute("SELECT count(*) FROM supplier_consumption").fetchone()[0],
                "quarantine": dict(conn.execute("SELECT raw_key, string_agg(reason, ' | ') FROM quarantine_record"
                                                " GROUP BY raw_key").fetchall())}


def test_one_portal_download_of_good_and_bad_files(airflow_home, tmp_path, monkeypatch):
    from collecte.config.loader import load_supplier
    from collecte.consent.mandates import draft_mandate, sign
    from collecte.dags.factory import build_supplier_dag
    from collecte.landing.raw_zone import RawZone
    from sandbox.portals.accounts import SandboxAccount
    from sandbox.portals.server import PortalsServer

    listed, expected, good, bad_exports, export_reasons = _documents()
    account = SandboxAccount(portal="volta", login="V-FAULTS", password="pw-V-FAULTS-Zq9!", months=2)
    server = PortalsServer(tmp_path / "portals", accounts=[account],
                           documents=_Exports(listed, bad_exports)).start()
    try:
        (tmp_path / "suppliers").mkdir()
        (tmp_path / "suppliers" / "volta.yaml").write_text(VOLTA_YAML, encoding="utf-8")
        monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(tmp_path))
        for conn_id, fields in {"portal_volta": {"conn_type": "http", "host": server.urls()["volta"]},
                                "volta_v_faults": {"conn_type": "generic", "login": account.login,
                                                   "password": account.password}}.items():
            monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
        zone = RawZone(airflow_home.s3, airflow_home.bucket)
        with connect(airflow_home.pg_url) as conn:
            conn.execute("INSERT INTO organization (id, name) VALUES ('org-f', 'Faults SA')")
            conn.execute("INSERT INTO entity (id, organization_id, name, company_name)"
                         " VALUES ('ent-f', 'org-f', 'HQ', 'Faults SA')")
            conn.execute("INSERT INTO contact (id, entity_id, role, surname, first_name, email)"
                         " VALUES ('c-f', 'ent-f', 'entity_contact', 'Roux', 'Ana', 'ana@faults.example')")
            draft = draft_mandate(conn, entity_id="ent-f", contact_id="c-f", start=date.today() - timedelta(days=30),
                                  accounts=[("volta", "V-FAULTS")], meters=[], actor="test")
            sign(conn, zone, draft.id, signer_ip="127.0.0.1", actor="test", require_code=False)
            conn.commit()
        dag = build_supplier_dag(load_supplier(tmp_path / "suppliers" / "volta.yaml"))
        span = {"from": "2020-01-01", "to": "2030-12-31"}

        run = dag.test(run_conf=span)
        tasks = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert tasks["portal.collect_account"] == tasks["load_consumption"] == "success", tasks
        assert tasks["quarantine_notice"] == "failed"  # red, naming what was quarantined
        state = _state(airflow_home.pg_url)
        # every good invoice loaded, once (the duplicate's bytes are the first invoice's: one raw object)
        assert [n for n, _ in state["invoices"]] == sorted(g.truth["invoice_number"] for g in good)
        raw_pdfs = zone.keys("raw/source=volta/kind=invoice_pdf/account=V-FAULTS/")
        assert len(raw_pdfs) == len(good) + len(expected)
        # every bad download quarantined with its reason, under its raw object
        by_number = {zone.metadata(k).get("invoice-number"): k for k in raw_pdfs}
        for number, reason in expected.items():
            assert reason in state["quarantine"].get(by_number[number], ""), (number, state["quarantine"])
        exports = zone.keys("raw/source=volta/kind=consumption_csv/account=V-FAULTS/")
        by_contract = {zone.metadata(k).get("contract"): k for k in exports}
        assert set(by_contract) == {good[0].truth["sites"][0]["meter_id"], *bad_exports}
        for contract, reason in export_reasons.items():
            assert reason in state["quarantine"].get(by_contract[contract], ""), (contract, state["quarantine"])
        assert state["consumption"] == sum(len(s.get("readings") or []) for g in good for s in g.truth["sites"])

        again = dag.test(run_conf=span)  # a re-run: nothing new is downloaded, nothing changes
        assert zone.keys("raw/source=volta/kind=invoice_pdf/account=V-FAULTS/") == raw_pdfs
        assert zone.keys("raw/source=volta/kind=consumption_csv/account=V-FAULTS/") == exports
        assert _state(airflow_home.pg_url) == state
        assert {ti.task_id: ti.state for ti in again.get_task_instances()}["portal.collect_account"] == "success"
    finally:
        server.stop()
