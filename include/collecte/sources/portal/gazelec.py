"""GazÉlec Pro's customer area (page objects): login, a cookie banner to dismiss, invoices grouped
by year in collapsible sections loaded when opened, short sessions (the driver logs in again)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from collecte.sources.portal.errors import AccountLocked, LoginFailed, SessionExpired
from collecte.sources.portal.gateway import PortalGateway
from collecte.sources.portal.models import Credentials, FetchedDocument, InvoiceRef

LOGIN_FORM = "form#gz-login"
BANNER = "#cookie-banner"
YEAR_BLOCK = "section.year-block"
YEAR_TOGGLE = ".year-toggle"
INVOICE_ITEM = "li.gz-invoice"


class GazelecGateway(PortalGateway):
    """https://espace.gazelec-pro.example (sandbox: /gazelec)."""

    code = "gazelec"
    sender_domain = "gazelec.example"

    def dismiss_cookie_banner(self, page: Any) -> None:
        """Refuse optional cookies when the banner covers the page (it blocks every click)."""
        if page.locator(BANNER).count() and page.locator(BANNER).is_visible():
            page.click(f"{BANNER} #cookie-refuse")
            page.wait_for_selector(BANNER, state="detached")

    def login(self, page: Any, credentials: Credentials) -> None:
        """Login form, behind the cookie banner."""
        self.goto(page, "/connexion")
        self.expect(page, LOGIN_FORM, "login form")
        self.dismiss_cookie_banner(page)
        page.fill(f"{LOGIN_FORM} input[name=email]", credentials.login)
        page.fill(f"{LOGIN_FORM} input[name=mot_de_passe]", credentials.password)
        self.submit(page, f"{LOGIN_FORM} button[type=submit]")
        message = page.locator("#gz-login-msg")
        if message.count():
            text = message.inner_text().strip()
            raise (AccountLocked if "verrouill" in text.lower() else LoginFailed)(text)
        self.expect(page, "#nav-invoices", "menu after login")
        self.dismiss_cookie_banner(page)

    def list_invoices(self, page: Any, first: date, last: date) -> list[InvoiceRef]:
        """Open the year sections the interval touches and read their invoices."""
        self.goto(page, "/factures")
        if "/connexion" in page.url:
            raise SessionExpired("redirected to the login page")
        self.dismiss_cookie_banner(page)
        self.expect(page, YEAR_BLOCK, "year sections")
        years = [int(y) for y in page.locator(YEAR_BLOCK).evaluate_all("bs => bs.map(b => b.dataset.year)")]
        refs: list[InvoiceRef] = []
        for year in (y for y in years if first.year <= y <= last.year):
            block = f"{YEAR_BLOCK}[data-year='{year}']"
            toggle = self.expect(page, f"{block} {YEAR_TOGGLE}", f"toggle of the {year} section")
            toggle.click()
            page.wait_for_function(
                """b => { const c = document.querySelector(b + ' .year-content');
                          return (c && !c.hidden) || location.pathname.endsWith('/connexion'); }""",
                arg=block, timeout=self.navigation_timeout_ms)
            if "/connexion" in page.url:
                raise SessionExpired("the site sent us back to the login page")
            items = self.rows(page, f"{block} {INVOICE_ITEM}", """items => items.map(i => ({
                    number: i.dataset.number, date: i.querySelector('.gz-date')?.textContent.trim(),
                    href: i.querySelector('a.gz-pdf')?.getAttribute('href')}))""",
                              f"invoices of {year}", ("number", "date", "href"))
            refs.extend(InvoiceRef(number=i["number"], invoice_date=datetime.strptime(i["date"], "%d/%m/%Y").date(),
                                   locator=urljoin(page.url, i["href"])) for i in items)
        return refs

    def fetch_invoice(self, page: Any, ref: InvoiceRef) -> FetchedDocument:
        """The PDF behind the item's link (a login page instead means the session expired)."""
        content = self.fetch_bytes(page, ref.locator)
        return FetchedDocument(kind="invoice_pdf", content=content, filename=f"{ref.number}.pdf",
                               origin=urlsplit(ref.locator).path, ext="pdf", invoice_number=ref.number,
                               invoice_date=ref.invoice_date)


Gateway = GazelecGateway
