"""account_status / account_attempt recording on a real warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collecte.sources.portal.status import AccountStatus, account_statuses, record_account_status
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]


def test_latest_state_keeps_last_success_and_counts_consecutive_failures(pg_url):
    t0 = datetime(2026, 11, 1, 6, tzinfo=UTC)
    with connect(pg_url) as conn:
        record_account_status(conn, source="volta", account_id="V-1", status=AccountStatus.OK,
                              message="3 new", new_documents=3, at=t0)
        record_account_status(conn, source="volta", account_id="V-1", status="SITE_DOWN", message="HTTP 503",
                              at=t0 + timedelta(days=1))
        record_account_status(conn, source="volta", account_id="V-1", status="LAYOUT_CHANGED",
                              message="table gone", evidence_key="debug/source=volta/account=V-1/x",
                              at=t0 + timedelta(days=2))
        row = account_statuses(conn, "volta", road="")["V-1"]
        attempts = conn.execute("SELECT status FROM account_attempt WHERE account_id = 'V-1'"
                                " ORDER BY attempted_at").fetchall()

    assert row["status"] == "LAYOUT_CHANGED" and row["message"] == "table gone"
    assert row["last_success"] == t0 and row["last_attempt"] == t0 + timedelta(days=2)
    assert row["consecutive_failures"] == 2
    assert row["evidence_key"] == "debug/source=volta/account=V-1/x"
    assert [a[0] for a in attempts] == ["OK", "SITE_DOWN", "LAYOUT_CHANGED"]


def test_success_resets_failures(pg_url):
    with connect(pg_url) as conn:
        record_account_status(conn, source="azur", account_id="A", status="LOGIN_FAILED", message="x")
        record_account_status(conn, source="azur", account_id="A", status="NO_NEW_DOCUMENTS", message="0 new")
        row = account_statuses(conn, "azur", road="")["A"]
    assert row["consecutive_failures"] == 0 and row["last_success"] is not None


def test_unknown_status_is_refused(pg_url):
    with connect(pg_url) as conn, pytest.raises(ValueError):
        record_account_status(conn, source="azur", account_id="A", status="CAPTCHA?", message="x")


def test_only_site_down_is_retried():
    assert {s for s in AccountStatus if s.retryable} == {AccountStatus.SITE_DOWN}
    assert {s for s in AccountStatus if s.succeeded} == {AccountStatus.OK, AccountStatus.NO_NEW_DOCUMENTS}


def test_refused_logins_in_a_row_stop_at_the_last_success(pg_url):
    from collecte.sources.portal.status import failed_logins_in_a_row

    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with connect(pg_url) as conn:
        for i, status in enumerate(["LOGIN_FAILED", "OK", "LOGIN_FAILED", "ACCOUNT_LOCKED"]):
            record_account_status(conn, source="volta", account_id="V-2", status=status, message="",
                                  at=t0 + timedelta(hours=i))
        assert failed_logins_in_a_row(conn, source="volta", account_id="V-2", limit=5) == 2
        assert failed_logins_in_a_row(conn, source="volta", account_id="V-2", limit=1) == 1
        assert failed_logins_in_a_row(conn, source="volta", account_id="nobody", limit=3) == 0


def test_each_road_of_an_account_keeps_its_own_state(pg_url):
    """azur collects AZ-1 by its portal and its API: a refused portal login is not hidden by the API's
    success, and refused logins are counted on the road that refused them."""
    from collecte.sources.portal.status import failed_logins_in_a_row

    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    with connect(pg_url) as conn:
        record_account_status(conn, source="azur", account_id="AZ-1", status="LOGIN_FAILED", message="refused",
                              road="portal", at=t0)
        record_account_status(conn, source="azur", account_id="AZ-1", status="OK", message="2 new",
                              new_documents=2, road="api", at=t0 + timedelta(minutes=1))
        record_account_status(conn, source="azur", account_id="AZ-1", status="LOGIN_FAILED", message="refused",
                              road="portal", at=t0 + timedelta(days=1))
        every = account_statuses(conn, "azur")
        portal = account_statuses(conn, "azur", road="portal")["AZ-1"]
        assert failed_logins_in_a_row(conn, source="azur", account_id="AZ-1", limit=5, road="portal") == 2
        assert failed_logins_in_a_row(conn, source="azur", account_id="AZ-1", limit=5, road="api") == 0

    assert {key: row["status"] for key, row in every.items() if key[0] == "AZ-1"} == {
        ("AZ-1", "portal"): "LOGIN_FAILED", ("AZ-1", "api"): "OK"}
    assert portal["consecutive_failures"] == 2 and portal["last_success"] is None
