"""End-to-end online signature in real Chromium, then revocation stopping collection."""

from __future__ import annotations

import re

import pytest

from collecte.consent.gate import collectable_meters
from collecte.consent.mailer import MaildirMailer
from collecte.warehouse.db import connect
from tests.integration.consent.conftest import TODAY, contact_browser, issue_link, staff_browser

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.timeout(120)]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PRM = "30001234567893"


def test_contact_signs_in_chromium_and_revocation_stops_collection(consent_app, mailbox_dir):
    from playwright.sync_api import sync_playwright

    base_url, settings = consent_app
    with connect(settings.warehouse_url) as conn:  # start from an entity without a mandate in force
        conn.execute("UPDATE mandate SET status = 'revoked', revoked_at = now() WHERE entity_id = 'filiale-sud'")
        assert collectable_meters(conn, operator="enedis", data_kind="daily", on=TODAY,
                                  candidates=[PRM]).allowed == []
    link = f"{base_url}/c/{issue_link(settings.warehouse_url, 'contact-sud')}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(link)
            assert page.url == f"{base_url}/me"  # the token left the address bar (and later logs)
            assert "Démo Énergie Sud" in page.content()
            assert "Agence de Lyon" not in page.content()  # an autonomous entity's contact sees only theirs
            page.get_by_role("button", name=re.compile("Préparer un mandat")).click()
            text = page.locator("#mandate-text").inner_text()
            assert "Démo Énergie Sud SAS" in text and PRM in text and "GI000123" in text
            page.click("#send-code")
            mail = MaildirMailer(mailbox_dir).messages_to("karim.benali@demo-sud.example")[-1]
            code = re.search(r"\b(\d{6})\b", mail.get_content()).group(1)
            page.fill("#code", code)
            page.click("#confirm")
            page.check("#accept")
            page.click("#sign")
            assert page.locator("#status").inner_text() == "signed"
            mandate_id = page.url.split("/mandates/")[1].split("?")[0]
            pdf = page.context.request.get(f"{base_url}/me/mandates/{mandate_id}/evidence.pdf")
            assert pdf.ok and pdf.body().startswith(b"%PDF")
            with connect(settings.warehouse_url) as conn:
                signed_ip, status = conn.execute("SELECT signer_ip, status FROM mandate WHERE id = %s",
                                                 (mandate_id,)).fetchone()
                assert (signed_ip, status) == ("127.0.0.1", "signed")
                assert collectable_meters(conn, operator="enedis", data_kind="daily", on=TODAY,
                                          candidates=[PRM]).allowed == [PRM]
            page.click("#revoke")
            assert page.locator("#status").inner_text() == "revoked"
        finally:
            browser.close()
    with connect(settings.warehouse_url) as conn:
        decision = collectable_meters(conn, operator="enedis", data_kind="daily", on=TODAY, candidates=[PRM])
        assert decision.allowed == [] and decision.refused[PRM].startswith("mandate revoked on ")


def test_wrong_codes_are_counted_and_links_checked(consent_app, staff_tokens):
    import httpx

    base_url, settings = consent_app
    assert httpx.get(f"{base_url}/c/forged-token").status_code == 410
    assert httpx.get(f"{base_url}/me").status_code == 401
    assert httpx.get(f"{base_url}/status").status_code == 401
    status = staff_browser(base_url, staff_tokens, "admin").get("/status")
    assert status.status_code == 200 and "Démo Énergie Sud" in status.text
    contact = contact_browser(base_url, settings.warehouse_url, "contact-sud")
    # the group referent may not act for the autonomous subsidiary
    referent = contact_browser(base_url, settings.warehouse_url, "referent")
    referent.get("/me")
    assert referent.post("/me/entities/filiale-sud/mandates").status_code == 403
    contact.get("/me")
    created = contact.post("/me/entities/filiale-sud/mandates")
    mandate_id = created.headers["location"].rsplit("/", 1)[1]
    contact.get(f"/me/mandates/{mandate_id}")
    contact.post(f"/me/mandates/{mandate_id}/send-code")
    contact.get(f"/me/mandates/{mandate_id}/confirm")
    for _ in range(5):
        assert contact.post(f"/me/mandates/{mandate_id}/confirm", {"code": "abcdef"}).status_code == 400
    last = contact.post(f"/me/mandates/{mandate_id}/confirm", {"code": "abcdef"})
    assert "too many attempts" in last.text
