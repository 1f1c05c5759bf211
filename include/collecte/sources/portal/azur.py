"""Azur Électricité's customer area (page objects): two-step login (identifier, then password,
then a one-time code if asked), an invoice table filled by JavaScript, PDFs behind download buttons."""

from __future__ import annotations

from datetime import date
from typing import Any

from collecte.sources.portal.errors import AccountLocked, LoginFailed, MfaRequired, SessionExpired, SiteDown
from collecte.sources.portal.gateway import PortalGateway
from collecte.sources.portal.mfa import utcnow
from collecte.sources.portal.models import Credentials, FetchedDocument, InvoiceRef

STEP_ID = "form#az-step-id"
STEP_PASSWORD = "form#az-step-password"
STEP_CODE = "form#az-step-code"
APP = "#app"
LOADED = "#app[data-loaded=true]"
ROWS = "#app tr[data-invoice]"
DOWNLOAD_BUTTON = "button.az-download"
DOWNLOADS_PER_PAGE = 10


class AzurGateway(PortalGateway):
    """https://entreprises.azur-electricite.example (sandbox: /azur)."""

    code = "azur"
    sender_domain = "azur.example"
    _downloads_on_page = 0

    def login(self, page: Any, credentials: Credentials) -> None:
        """Identifier page, then password page, then the code page when the device is new."""
        self.goto(page, "/connexion")
        self.expect(page, STEP_ID, "identifier form")
        page.fill(f"{STEP_ID} input[name=identifiant]", credentials.login)
        self.submit(page, f"{STEP_ID} button[type=submit]")
        self.expect(page, STEP_PASSWORD, "password form (second login step)")
        page.fill(f"{STEP_PASSWORD} input[name=mot_de_passe]", credentials.password)
        since = utcnow()
        self.submit(page, f"{STEP_PASSWORD} button[type=submit]")
        if page.locator("#az-locked").count():
            raise AccountLocked(page.locator("body .az-card").inner_text().strip())
        if page.locator("#az-login-error").count():
            raise LoginFailed(page.locator("#az-login-error").inner_text().strip())
        if page.locator(STEP_CODE).count():
            page.fill(f"{STEP_CODE} input[name=code]", self.one_time_code(credentials.login, since))
            self.submit(page, f"{STEP_CODE} button[type=submit]")
            if page.locator(".az-error").count():
                raise MfaRequired("the site refused the one-time code read from the mailbox")
        self.expect(page, APP, "invoice area after login")

    def _open_invoices(self, page: Any) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.goto(page, "/mes-factures")
        self._downloads_on_page = 0
        if "/connexion" in page.url:
            raise SessionExpired("redirected to the login page")
        self.expect(page, APP, "invoice area")
        try:  # the table is filled by a script after the page loaded
            page.wait_for_selector(LOADED, state="attached", timeout=self.navigation_timeout_ms)
        except PlaywrightTimeout:
            raise SiteDown(f"the invoice table did not load within {self.navigation_timeout_ms / 1000:g} s") from None

    def list_invoices(self, page: Any, first: date, last: date) -> list[InvoiceRef]:
        """Rows of the script-filled table (the site lists every invoice; the driver filters dates)."""
        self._open_invoices(page)
        rows = self.rows(page, ROWS, """rows => rows.map(r => ({number: r.dataset.invoice,
                date: r.querySelector('td.az-date')?.dataset.iso,
                pdl: r.querySelector('td.az-pdl')?.textContent.trim()}))""", "invoice rows", ("number", "date"))
        if rows:
            self.expect(page, f"{ROWS} {DOWNLOAD_BUTTON}", "download button of the invoice rows", timeout_ms=1_000)
        return [InvoiceRef(number=r["number"], invoice_date=date.fromisoformat(r["date"]), locator=r["number"],
                           contract=r["pdl"]) for r in rows]

    def fetch_invoice(self, page: Any, ref: InvoiceRef) -> FetchedDocument:
        """Click the row's download button and take the file it starts."""
        # Chromium stops honouring script-started downloads after ~20 on one page: reload every 10
        if self._downloads_on_page >= DOWNLOADS_PER_PAGE or page.locator(
                f"{DOWNLOAD_BUTTON}[data-id='{ref.locator}']").count() == 0:
            self._open_invoices(page)
        self._downloads_on_page += 1
        button = self.expect(page, f"{DOWNLOAD_BUTTON}[data-id='{ref.locator}']", f"download button of {ref.number}")
        content, name = self.download(page, lambda: button.click())
        if not content.startswith(b"%PDF"):
            raise SessionExpired(f"download of {ref.number} is not a PDF")
        return FetchedDocument(kind="invoice_pdf", content=content, filename=name or f"{ref.number}.pdf",
                               origin=f"/mes-factures/{ref.number}/telechargement", ext="pdf",
                               invoice_number=ref.number, invoice_date=ref.invoice_date, contract=ref.contract)


Gateway = AzurGateway
