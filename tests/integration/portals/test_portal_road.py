"""Pieces of the portal road that read Airflow connections: base URL, credentials, flagged accounts."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from collecte.config.models import AccountConfig, SupplierConfig

pytestmark = [pytest.mark.airflow, pytest.mark.services, pytest.mark.timeout(60)]

SUPPLIER = SupplierConfig.model_validate({
    "code": "volta", "name": "Volta", "energy": "electricity",
    "roads": [{"type": "portal", "conn_id": "portal_volta", "gateway": "volta",
               "accounts": [{"id": "V-9", "conn_id": "volta_v_9"}]}]})


def test_base_url_and_credentials_come_from_connections(airflow_home, monkeypatch):
    from collecte.dags.roads.portal import base_url, credentials

    monkeypatch.setenv("AIRFLOW_CONN_PORTAL_VOLTA", json.dumps({"conn_type": "http",
                                                                 "host": "http://127.0.0.1:8700/volta/"}))
    monkeypatch.setenv("AIRFLOW_CONN_PORTAL_PROD", json.dumps({"conn_type": "http", "host": "espace.volta.example"}))
    monkeypatch.setenv("AIRFLOW_CONN_VOLTA_V_9", json.dumps({"conn_type": "generic", "login": "V-9",
                                                              "password": "p@ss w0rd"}))
    assert base_url("portal_volta") == "http://127.0.0.1:8700/volta"
    assert base_url("portal_prod") == "https://espace.volta.example"
    creds = credentials(SUPPLIER.roads[0].accounts[0])
    assert (creds.login, creds.password) == ("V-9", "p@ss w0rd")
    with pytest.raises(ValueError, match="no conn_id"):
        credentials(AccountConfig(id="V-0"))


def test_flagged_account_is_not_tried_by_scheduled_runs_but_is_by_a_manual_run(airflow_home):
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.roads.portal import refuse_flagged_account
    from collecte.sources.portal.status import record_account_status
    from collecte.warehouse.db import connect

    account = SUPPLIER.roads[0].accounts[0]
    scheduled = {"dag_run": SimpleNamespace(run_type="scheduled")}
    manual = {"dag_run": SimpleNamespace(run_type="manual")}
    with connect(airflow_home.pg_url) as conn:
        record_account_status(conn, source="volta", account_id="V-9", status="LOGIN_FAILED", message="x")
    refuse_flagged_account(SUPPLIER, account, scheduled)  # one refusal: still tried
    with connect(airflow_home.pg_url) as conn:
        record_account_status(conn, source="volta", account_id="V-9", status="LOGIN_FAILED", message="x")

    with pytest.raises(AirflowFailException, match="volta_v_9"):
        refuse_flagged_account(SUPPLIER, account, scheduled)
    refuse_flagged_account(SUPPLIER, account, manual)  # a person fixed the credentials and asks again


@pytest.mark.parametrize(("status", "retried"), [("SITE_DOWN", True), ("LAYOUT_CHANGED", False),
                                                 ("LOGIN_FAILED", False), ("ACCOUNT_LOCKED", False),
                                                 ("MFA_REQUIRED", False)])
def test_only_site_down_is_raised_for_a_retry(airflow_home, status, retried):
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.roads.portal import SiteUnavailable, finish
    from collecte.sources.portal.collect import AccountRun
    from collecte.sources.portal.status import AccountStatus, account_statuses
    from collecte.warehouse.db import connect

    run = AccountRun("volta", "V-9", AccountStatus(status), "why")
    context = {"run_id": "scheduled__2026-11-28", "ti": SimpleNamespace(try_number=1)}
    with pytest.raises(SiteUnavailable if retried else AirflowFailException) as raised:
        finish(SUPPLIER, run, context)
    assert type(raised.value) is (SiteUnavailable if retried else AirflowFailException)
    with connect(airflow_home.pg_url) as conn:
        assert account_statuses(conn, "volta", road="")["V-9"]["status"] == status


def test_collected_account_returns_its_raw_objects(airflow_home):
    from collecte.dags.roads.portal import finish
    from collecte.sources.portal.collect import AccountRun
    from collecte.sources.portal.status import AccountStatus

    landed = [{"key": "raw/source=volta/kind=invoice_pdf/account=V-9/received=2026-11-28/ab.pdf",
               "kind": "invoice_pdf", "account": "V-9", "created": True}]
    run = AccountRun("volta", "V-9", AccountStatus.OK, "1 new", landed)
    assert finish(SUPPLIER, run, {"run_id": "r", "ti": SimpleNamespace(try_number=2)}) == landed


def test_each_road_reports_its_own_attempts_of_a_shared_account(airflow_home, monkeypatch):
    """azur has a portal and an API road over the same accounts: the API road's report must not
    show (nor fail on) the portal's MFA_REQUIRED, and the portal's must not hide it behind the API's OK."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.roads import portal
    from collecte.sources.portal.collect import AccountRun
    from collecte.sources.portal.status import AccountStatus

    def ctx(road: str) -> dict:
        return {"run_id": "manual__2026-11-30", "ti": SimpleNamespace(try_number=1, task_id=f"{road}.collect_account")}

    with pytest.raises(AirflowFailException):
        portal.finish(SUPPLIER, AccountRun("volta", "V-9", AccountStatus.MFA_REQUIRED, "code asked"), ctx("portal"))
    portal.finish(SUPPLIER, AccountRun("volta", "V-9", AccountStatus.OK, "1 new", []), ctx("api"))  # later: API

    report = portal.account_report.function  # the task's body, run in the road's own task group
    for road in ("api", "portal"):
        reported = {"run_id": "manual__2026-11-30", "ti": SimpleNamespace(try_number=1, task_id=f"{road}.account_report")}
        monkeypatch.setattr(portal, "get_current_context", lambda reported=reported: reported)
        if road == "api":
            assert report("volta", ["V-9"]) == {"V-9": "OK"}
        else:
            with pytest.raises(AirflowFailException, match=r"V-9 \(MFA_REQUIRED\)"):
                report("volta", ["V-9"])


def test_report_reads_attempts_recorded_before_roads_were_named(airflow_home, monkeypatch):
    """A run that straddles the upgrade: its earlier attempts have ids without a road."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.roads import portal
    from collecte.sources.portal.status import record_account_status
    from collecte.warehouse.db import connect

    with connect(airflow_home.pg_url) as conn:
        record_account_status(conn, source="volta", account_id="V-9", status="LAYOUT_CHANGED", message="x",
                              run_id="manual__2026-11-30#try1")
    context = {"run_id": "manual__2026-11-30", "ti": SimpleNamespace(try_number=1, task_id="portal.account_report")}
    monkeypatch.setattr(portal, "get_current_context", lambda: context)
    with pytest.raises(AirflowFailException, match=r"V-9 \(LAYOUT_CHANGED\)"):
        portal.account_report.function("volta", ["V-9"])
