"""Azur's portal through real Chromium: two-step login, table filled by JavaScript, download buttons."""

from __future__ import annotations

import pytest

from collecte.sources.portal.status import AccountStatus
from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.timeout(120)]


def test_two_step_login_script_table_and_download_buttons_then_nothing_on_rerun(portals, collect, raw_zone):
    invoices = portals.server.state.documents.invoices(account(portals, "azur", "AZ-1"))
    assert len(invoices) > 10  # more downloads than the gateway makes from one page

    first = collect("azur", "AZ-1")

    assert first.status == AccountStatus.OK, first.message
    created = [o for o in first.landed if o["created"]]
    assert {raw_zone.metadata(o["key"])["invoice-number"] for o in created} == {i.number for i in invoices}
    by_number = {i.number: i.pdf for i in invoices}
    assert all(raw_zone.get(o["key"]) == by_number[raw_zone.metadata(o["key"])["invoice-number"]] for o in created)

    served = portals.server.state.downloads["azur"]
    second = collect("azur", "AZ-1")
    assert second.status == AccountStatus.NO_NEW_DOCUMENTS
    assert portals.server.state.downloads["azur"] == served


def test_renamed_download_button_is_layout_changed(collect, raw_zone):
    run = collect("azur", "AZ-LAYOUT")

    assert run.status == AccountStatus.LAYOUT_CHANGED
    assert "button.az-download" in run.message
    assert "az-dl-btn" in raw_zone.get(run.evidence_key + ".html").decode()


def test_one_time_code_page_after_the_password(collect):
    run = collect("azur", "AZ-MFA")
    assert run.status == AccountStatus.OK, run.message


def test_wrong_password_on_the_second_step_is_login_failed(collect):
    run = collect("azur", "AZ-WRONG", password="nope-nope-123")
    assert run.status == AccountStatus.LOGIN_FAILED
    assert "invalide" in run.message
