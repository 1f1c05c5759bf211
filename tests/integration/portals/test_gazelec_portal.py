"""GazÉlec's portal through real Chromium: cookie banner, collapsible years, session expiry."""

from __future__ import annotations

import pytest

from collecte.sources.portal.status import AccountStatus
from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.timeout(120)]


def test_banner_dismissed_years_opened_every_invoice_landed_then_nothing(portals, collect, raw_zone):
    invoices = portals.server.state.documents.invoices(account(portals, "gazelec", "g1@client.example"))
    assert len({i.invoice_date.year for i in invoices}) >= 1

    first = collect("gazelec", "g1@client.example")

    assert first.status == AccountStatus.OK, first.message
    created = [o for o in first.landed if o["created"]]
    assert {raw_zone.metadata(o["key"])["invoice-number"] for o in created} == {i.number for i in invoices}
    assert all(o["key"].startswith("raw/source=gazelec/kind=invoice_pdf/account=GZ-1/") for o in created)

    served = portals.server.state.downloads["gazelec"]
    assert collect("gazelec", "g1@client.example").status == AccountStatus.NO_NEW_DOCUMENTS
    assert portals.server.state.downloads["gazelec"] == served


def test_session_expiring_mid_run_is_resumed_after_logging_in_again(portals, collect, raw_zone):
    invoices = portals.server.state.documents.invoices(account(portals, "gazelec", "g2@client.example"))
    logins = portals.server.state.logins.get("gazelec", 0)

    run = collect("gazelec", "g2@client.example")

    assert run.status == AccountStatus.OK, run.message
    assert "re-login" in run.message
    assert portals.server.state.logins["gazelec"] - logins >= 2  # the first login, then at least one more
    assert len([o for o in run.landed if o["created"]]) == len(invoices)


def test_renamed_year_toggle_is_layout_changed(collect):
    run = collect("gazelec", "g3@client.example")
    assert run.status == AccountStatus.LAYOUT_CHANGED
    assert ".year-toggle" in run.message


def test_wrong_password_is_login_failed(collect):
    run = collect("gazelec", "g4@client.example", password="wrong-wrong-1")
    assert run.status == AccountStatus.LOGIN_FAILED
