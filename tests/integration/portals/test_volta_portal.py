"""Volta's portal through real Chromium: every scenario, idempotence, backfill, evidence."""

from __future__ import annotations

import csv
import io
import mailbox
from datetime import date

import pytest

from collecte.sources.portal.status import AccountStatus
from tests.integration.portals.conftest import account

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.timeout(120)]


def _created(run, kind: str) -> list[dict]:
    return [obj for obj in run.landed if obj["created"] and obj["kind"] == kind]


def test_first_run_lands_every_invoice_and_export_and_a_rerun_downloads_nothing(portals, collect, raw_zone):
    acc = account(portals, "volta", "V-1")
    invoices = portals.server.state.documents.invoices(acc)
    assert len(invoices) == 24  # 2 contracts x 12 months: the list has two pages per contract

    first = collect("volta", "V-1")

    assert first.status == AccountStatus.OK, first.message
    pdfs = _created(first, "invoice_pdf")
    numbers = {raw_zone.metadata(obj["key"])["invoice-number"] for obj in pdfs}
    assert numbers == {inv.number for inv in invoices}
    one = next(inv for inv in invoices if inv.number == invoices[0].number)
    key = next(o["key"] for o in pdfs if raw_zone.metadata(o["key"])["invoice-number"] == one.number)
    assert raw_zone.get(key) == one.pdf
    exports = _created(first, "consumption_csv")
    assert len(exports) == 2  # one per contract
    rows = [row for obj in exports
            for row in csv.DictReader(io.StringIO(raw_zone.get(obj["key"]).decode("utf-8-sig")), delimiter=";")]
    billed = {inv.number: inv.truth["sites"][0]["consumption_kwh"] for inv in invoices if inv.document_type == "invoice"}
    per_invoice: dict[str, float] = {}
    for row in rows:
        per_invoice[row["Facture"]] = per_invoice.get(row["Facture"], 0) + float(row["kWh"].replace(",", "."))
    assert per_invoice == pytest.approx(billed)  # the export agrees with the invoices, period by period

    served = portals.server.state.downloads["volta"]
    second = collect("volta", "V-1")

    assert second.status == AccountStatus.NO_NEW_DOCUMENTS, second.message
    assert portals.server.state.downloads["volta"] == served  # nothing downloaded again
    assert not [o for o in second.landed if o["created"]]
    assert {o["key"] for o in second.landed} == {o["key"] for o in first.landed}  # passed on, not fetched


def test_a_backfill_interval_downloads_the_invoices_dated_in_it(portals, collect, raw_zone):
    invoices = portals.server.state.documents.invoices(account(portals, "volta", "V-1"))
    dates = sorted(inv.invoice_date for inv in invoices)
    first_day, last_day = dates[4], dates[9]
    expected = {inv.number for inv in invoices if first_day <= inv.invoice_date <= last_day}

    run = collect("volta", "V-1", first=first_day, last=last_day)

    assert run.status == AccountStatus.OK
    landed = {raw_zone.metadata(o["key"])["invoice-number"] for o in _created(run, "invoice_pdf")}
    assert landed == expected


def test_wrong_password_is_login_failed_with_evidence_and_no_secret_in_it(collect, raw_zone):
    run = collect("volta", "V-WRONG", password="not-the-password-42")

    assert run.status == AccountStatus.LOGIN_FAILED
    assert not run.status.retryable
    assert "incorrect" in run.message
    html = raw_zone.get(run.evidence_key + ".html").decode()
    assert "login-form" in html and "not-the-password-42" not in html
    assert raw_zone.get(run.evidence_key + ".png").startswith(b"\x89PNG")
    assert run.evidence_key.startswith("debug/source=volta/account=V-WRONG/")


def test_account_locks_after_n_failures_and_stays_locked(collect):
    statuses = [collect("volta", "V-LOCK", password=f"wrong-{i}").status for i in range(2)]  # locks after 2
    assert statuses == [AccountStatus.LOGIN_FAILED, AccountStatus.ACCOUNT_LOCKED]

    assert collect("volta", "V-LOCK").status == AccountStatus.ACCOUNT_LOCKED  # right password, too late


def test_maintenance_page_is_site_down_and_retryable(collect):
    run = collect("volta", "V-MAINT")

    assert run.status == AccountStatus.SITE_DOWN and run.status.retryable
    assert "503" in run.message


def test_site_wide_maintenance_then_recovery(portals, collect):
    portals.server.state.maintenance.add("volta")
    try:
        assert collect("volta", "V-RECOVER").status == AccountStatus.SITE_DOWN
    finally:
        portals.server.state.maintenance.discard("volta")
    assert collect("volta", "V-RECOVER").status == AccountStatus.OK  # what a retry sees


def test_slow_page_is_waited_for_and_a_timeout_is_site_down(collect):
    assert collect("volta", "V-SLOW", navigation_timeout_ms=400).status == AccountStatus.SITE_DOWN
    run = collect("volta", "V-SLOW")  # default navigation timeout (30 s) covers the 1 s page
    assert run.status == AccountStatus.OK, run.message


def test_renamed_selector_is_layout_changed_with_screenshot_and_html(collect, raw_zone):
    run = collect("volta", "V-LAYOUT")

    assert run.status == AccountStatus.LAYOUT_CHANGED
    assert "table#invoices" in run.message
    assert 'id="bill-grid"' in raw_zone.get(run.evidence_key + ".html").decode()
    assert raw_zone.get(run.evidence_key + ".png").startswith(b"\x89PNG")


def test_a_captcha_is_never_solved_but_reported_with_evidence(portals, collect, raw_zone):
    """The right password answered with a reCAPTCHA checkbox: CAPTCHA_REQUIRED, not retried, evidence kept,
    and the checkbox left unticked (collecte never tries to pass a challenge)."""
    before = portals.server.state.logins.get("volta", 0)
    run = collect("volta", "V-CAPTCHA")

    assert run.status == AccountStatus.CAPTCHA_REQUIRED and not AccountStatus(run.status).retryable
    assert "reCAPTCHA" in run.message and run.landed == []
    html = raw_zone.get(run.evidence_key + ".html").decode()
    assert 'class="g-recaptcha"' in html and "pw-V-CAPTCHA" not in html
    assert portals.server.state.logins.get("volta", 0) == before  # no session was ever opened


def test_one_time_code_is_read_from_the_mailbox(portals, collect):
    run = collect("volta", "V-MFA")

    assert run.status == AccountStatus.OK, run.message
    box = mailbox.Maildir(portals["mailbox"], create=False)
    mails = [m for m in box if "V-MFA" in m.get_payload()]
    assert len(mails) == 1 and "S" in mails[0].get_flags()  # the code was used once, marked seen


def test_one_time_code_without_an_allowed_mailbox_is_mfa_required(collect):
    run = collect("volta", "V-MFA2", mailbox=False)

    assert run.status == AccountStatus.MFA_REQUIRED
    assert "mfa_mailbox" in run.message


def test_nothing_outside_the_interval(collect):
    run = collect("volta", "V-1", first=date(2019, 1, 1), last=date(2019, 12, 31))
    assert run.status == AccountStatus.NO_NEW_DOCUMENTS and run.landed == []


def test_consumption_export_left_alone_when_the_mandate_does_not_cover_it(collect):
    run = collect("volta", "V-RECOVER", exports=False)
    assert run.status == AccountStatus.OK
    assert {o["kind"] for o in run.landed} == {"invoice_pdf"}
