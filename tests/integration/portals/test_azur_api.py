"""Azur's supplier REST API: API key, paging, since-date, idempotence, refused key, maintenance."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.sources.portal.errors import LoginFailed
from collecte.sources.portal.status import AccountStatus
from collecte.sources.supplier_api.azur import AzurApiClient
from collecte.sources.supplier_api.collect import collect_api_account
from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]


def test_invoices_since_a_date_follow_every_page(portals):
    invoices = portals.server.state.documents.invoices(account(portals, "azur", "AZ-API"))
    since = sorted(i.invoice_date for i in invoices)[3]
    with AzurApiClient(portals["azur_api"], "azk-test-2", page_size=3) as client:
        listed = list(client.invoices_since(since))
    assert sorted(i.number for i in listed) == sorted(i.number for i in invoices if i.invoice_date >= since)
    assert len(listed) > 3  # more than one page


def test_collect_lands_the_interval_then_a_rerun_downloads_nothing(portals, raw_zone):
    invoices = portals.server.state.documents.invoices(account(portals, "azur", "AZ-API"))
    dates = sorted(i.invoice_date for i in invoices)
    first, last = dates[2], dates[-3]
    expected = {i.number for i in invoices if first <= i.invoice_date <= last}
    with AzurApiClient(portals["azur_api"], "azk-test-2", page_size=4) as client:
        run = collect_api_account(client, raw_zone, account="AZ-API", first=first, last=last)
        assert run.status == AccountStatus.OK, run.message
        assert {raw_zone.metadata(o["key"])["invoice-number"] for o in run.landed} == expected
        served = portals.server.state.downloads["azur_api"]
        again = collect_api_account(client, raw_zone, account="AZ-API", first=first, last=last)
    assert again.status == AccountStatus.NO_NEW_DOCUMENTS
    assert portals.server.state.downloads["azur_api"] == served
    assert len(again.landed) == len(expected) and not any(o["created"] for o in again.landed)


def test_a_refused_key_is_login_failed(portals):
    with AzurApiClient(portals["azur_api"], "not-a-key") as client, pytest.raises(LoginFailed):
        list(client.invoices_since(date(2024, 1, 1)))


def test_maintenance_is_site_down(portals, raw_zone):
    portals.server.state.maintenance.add("azur_api")
    try:
        with AzurApiClient(portals["azur_api"], "azk-test-2") as client:
            run = collect_api_account(client, raw_zone, account="AZ-API", first=date(2024, 1, 1), last=date(2030, 1, 1))
    finally:
        portals.server.state.maintenance.discard("azur_api")
    assert run.status == AccountStatus.SITE_DOWN and run.status.retryable
    assert "503" in run.message
