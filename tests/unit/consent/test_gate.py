"""The consent gate against a real PostgreSQL warehouse (pg_url: fresh migrated database)."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.consent.gate import collectable_accounts, collectable_meters
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]

DAY = date(2026, 11, 2)


def _org(conn) -> None:
    conn.execute("INSERT INTO organization (id, name) VALUES ('acme', 'ACME')")
    conn.execute("INSERT INTO entity (id, organization_id, name, company_name, siret)"
                 " VALUES ('acme-sud', 'acme', 'ACME Sud', 'ACME Sud SAS', '12345678900012')")


def _mandate(conn, mid: str, *, status: str = "signed", kinds=("daily", "load_curve"),
             start=date(2026, 1, 1), end=date(2028, 12, 31), meters=(), accounts=(),
             revoked_at=None) -> None:
    conn.execute(
        "INSERT INTO mandate (id, entity_id, person_type, company_name, data_kinds, start_date, end_date,"
        " status, signed_at, text_sha256, revoked_at)"
        " VALUES (%s, 'acme-sud', 'legal', 'ACME Sud SAS', %s, %s, %s, %s,"
        " CASE WHEN %s <> 'draft' THEN now() END, CASE WHEN %s <> 'draft' THEN 'abc' END, %s)",
        (mid, list(kinds), start, end, status, status, status, revoked_at))
    for operator, prm in meters:
        conn.execute("INSERT INTO mandate_scope VALUES (%s, 'meter', %s, %s)", (mid, operator, prm))
    for supplier, account in accounts:
        conn.execute("INSERT INTO mandate_scope VALUES (%s, 'account', %s, %s)", (mid, supplier, account))


@pytest.fixture
def conn(pg_url):
    with connect(pg_url) as c:
        _org(c)
        yield c


def test_signed_mandate_in_force_allows_its_meters_only(conn):
    _mandate(conn, "m1", meters=[("enedis", "30001234567890"), ("enedis", "30001234567891")])
    decision = collectable_meters(conn, operator="enedis", data_kind="load_curve", on=DAY,
                                  candidates=["30001234567891", "30001234567899", "30001234567890"])
    assert decision.allowed == ["30001234567891", "30001234567890"]
    assert decision.refused == {"30001234567899": "no valid mandate"}


def test_scope_operator_and_kind_are_checked(conn):
    _mandate(conn, "m1", kinds=("daily",), meters=[("enedis", "30001234567890")])
    assert collectable_meters(conn, operator="enedis", data_kind="load_curve", on=DAY,
                              candidates=["30001234567890"]).refused == {
        "30001234567890": "scope excludes load_curve"}
    # same id under another operator is not covered
    assert collectable_meters(conn, operator="grdf", data_kind="daily", on=DAY,
                              candidates=["30001234567890"]).refused == {
        "30001234567890": "no valid mandate"}


def test_dates_draft_and_expiry(conn):
    _mandate(conn, "future", start=date(2027, 1, 1), end=date(2028, 1, 1), meters=[("enedis", "30001234567890")])
    _mandate(conn, "past", start=date(2024, 1, 1), end=date(2026, 6, 30), meters=[("enedis", "30001234567891")])
    _mandate(conn, "draft", status="draft", meters=[("enedis", "30001234567892")])
    d = collectable_meters(conn, operator="enedis", data_kind="daily", on=DAY,
                           candidates=["30001234567890", "30001234567891", "30001234567892"])
    assert d.allowed == []
    assert d.refused == {
        "30001234567890": "mandate starts on 2027-01-01",
        "30001234567891": "mandate expired on 2026-06-30",
        "30001234567892": "mandate not signed yet",
    }
    # end date is the last day covered
    assert collectable_meters(conn, operator="enedis", data_kind="daily", on=date(2026, 6, 30),
                              candidates=["30001234567891"]).allowed == ["30001234567891"]


def test_revocation_stops_collection_at_next_check(conn):
    _mandate(conn, "m1", kinds=("invoices",), accounts=[("volta", "V-100234")])
    first = collectable_accounts(conn, supplier="volta", data_kind="invoices", on=DAY, candidates=["V-100234"])
    assert first.allowed == ["V-100234"]
    conn.execute("UPDATE mandate SET status = 'revoked', revoked_at = '2026-10-02T09:00:00Z' WHERE id = 'm1'")
    second = collectable_accounts(conn, supplier="volta", data_kind="invoices", on=DAY, candidates=["V-100234"])
    assert second.allowed == []
    assert second.refused == {"V-100234": "mandate revoked on 2026-10-02"}


def test_a_newer_signed_mandate_wins_over_a_revoked_one(conn):
    _mandate(conn, "old", status="revoked", revoked_at="2026-03-01T00:00:00Z", accounts=[("volta", "V-1")],
             kinds=("invoices",))
    _mandate(conn, "new", accounts=[("volta", "V-1")], kinds=("invoices",))
    assert collectable_accounts(conn, supplier="volta", data_kind="invoices", on=DAY,
                                candidates=["V-1"]).allowed == ["V-1"]


def test_unknown_data_kind_is_an_error(conn):
    with pytest.raises(ValueError, match="unknown data kind"):
        collectable_meters(conn, operator="enedis", data_kind="curve", on=DAY, candidates=["1"])
