"""Volta Énergie's customer area (page objects): CSRF login form, optional one-time code, a
contract selector, a paginated invoice list filtered by date, PDF links, a consumption CSV export."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from collecte.sources.portal.errors import AccountLocked, LoginFailed, MfaRequired, SessionExpired
from collecte.sources.portal.gateway import PortalGateway
from collecte.sources.portal.mfa import utcnow
from collecte.sources.portal.models import Credentials, FetchedDocument, InvoiceRef

LOGIN_FORM = "form#login-form"
OTP_FORM = "form#otp-form"
CONTRACTS = "#contract-form select[name=contrat] option"
INVOICE_TABLE = "table#invoices"
INVOICE_ROWS = "table#invoices tbody tr.invoice-row"
NEXT_PAGE = "nav.pagination a[rel=next]"
EXPORT_FORM = "form#export-form"


class VoltaGateway(PortalGateway):
    """https://espace-client.volta.example (sandbox: /volta)."""

    code = "volta"
    sender_domain = "volta.example"

    def login(self, page: Any, credentials: Credentials) -> None:
        """Fill the login form (its CSRF token comes with the page), then a one-time code if asked."""
        self.goto(page, "/login")
        self.expect(page, LOGIN_FORM, "login form")
        page.fill(f"{LOGIN_FORM} input[name=username]", credentials.login)
        page.fill(f"{LOGIN_FORM} input[name=password]", credentials.password)
        since = utcnow()
        self.submit(page, f"{LOGIN_FORM} button[type=submit]")
        if page.locator(".alert-locked").count():
            raise AccountLocked(page.locator(".alert-locked").inner_text().strip())
        if page.locator(".alert-error").count():
            raise LoginFailed(page.locator(".alert-error").inner_text().strip())
        if page.locator(OTP_FORM).count():
            page.fill(f"{OTP_FORM} input[name=code]", self.one_time_code(credentials.login, since))
            self.submit(page, f"{OTP_FORM} button[type=submit]")
            if page.locator(OTP_FORM).count():
                raise MfaRequired("the site refused the one-time code read from the mailbox")
        self.expect(page, "#contract-form", "contract selector after login")

    def list_invoices(self, page: Any, first: date, last: date) -> list[InvoiceRef]:
        """Every contract, every page of the list filtered on [first, last]."""
        contracts = self.expect(page, CONTRACTS, "contract selector").evaluate_all(
            "options => options.map(o => o.value)")
        refs: list[InvoiceRef] = []
        for contract in contracts:
            path: str | None = "/factures?" + urlencode(
                {"contrat": contract, "du": first.isoformat(), "au": last.isoformat()})
            while path:
                self.goto(page, path)
                if "/login" in page.url:
                    raise SessionExpired("redirected to the login page")
                self.expect(page, INVOICE_TABLE, "invoice table")
                rows = self.rows(page, INVOICE_ROWS, """rows => rows.map(r => ({
                        number: r.querySelector('td.number')?.textContent.trim(),
                        date: r.querySelector('td.date')?.textContent.trim(),
                        href: r.querySelector('a.pdf-link')?.getAttribute('href')}))""",
                                 "invoice rows", ("number", "date", "href"))
                refs.extend(InvoiceRef(number=r["number"], invoice_date=datetime.strptime(r["date"], "%d/%m/%Y").date(),
                                       locator=urljoin(page.url, r["href"]), contract=contract) for r in rows)
                nxt = page.locator(NEXT_PAGE)
                path = urljoin(page.url, nxt.first.get_attribute("href")) if nxt.count() else None
        return refs

    def fetch_invoice(self, page: Any, ref: InvoiceRef) -> FetchedDocument:
        """The PDF behind the row's link, fetched with the session's cookies."""
        content = self.fetch_bytes(page, ref.locator)
        return FetchedDocument(kind="invoice_pdf", content=content, filename=f"{ref.number}.pdf",
                               origin=urlsplit(ref.locator).path, ext="pdf", invoice_number=ref.number,
                               invoice_date=ref.invoice_date, contract=ref.contract)

    def fetch_exports(self, page: Any, first: date, last: date, known: Collection[str]) -> list[FetchedDocument]:
        """The consumption CSV of each contract for periods ending in [first, last] (skipped when empty)."""
        self.goto(page, "/consommation")
        contracts = self.expect(page, CONTRACTS, "contract selector").evaluate_all("os => os.map(o => o.value)")
        docs: list[FetchedDocument] = []
        period = f"{first.isoformat()}..{last.isoformat()}"
        for contract in contracts:
            if export_id(contract, period) in known:
                continue
            self.goto(page, "/consommation?" + urlencode({"contrat": contract}))
            self.expect(page, EXPORT_FORM, "consumption export form")
            page.fill(f"{EXPORT_FORM} input[name=du]", first.isoformat())
            page.fill(f"{EXPORT_FORM} input[name=au]", last.isoformat())
            content, name = self.download(page, lambda: page.click(f"{EXPORT_FORM} button#export-csv"))
            # a file in another encoding still lands (and is quarantined by the stage), never breaks the account
            if len(content.decode("utf-8-sig", errors="replace").strip().splitlines()) < 2:
                continue  # header only: no period ended in the interval
            docs.append(FetchedDocument(kind="consumption_csv", content=content, filename=name,
                                        origin="/consommation/export", ext="csv", contract=contract,
                                        export_period=period))
        return docs


def export_id(contract: str, period: str) -> str:
    """Identifier of one consumption export (contract and period), kept in the raw object's metadata."""
    return f"{contract}:{period}"


Gateway = VoltaGateway
