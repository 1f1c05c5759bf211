"""What a gateway works with: credentials, invoices seen on a list page, documents fetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from collecte.sources.portal.status import AccountStatus


@dataclass(frozen=True)
class Credentials:
    """One account's login and password (or API key); the secret never appears in a repr."""

    login: str
    password: str = field(repr=False)

    def __str__(self) -> str:
        return f"Credentials(login={self.login!r}, password=***)"


@dataclass(frozen=True)
class InvoiceRef:
    """An invoice as a list page shows it; `locator` is whatever the page object needs to fetch it."""

    number: str
    invoice_date: date
    locator: str
    contract: str | None = None


@dataclass(frozen=True)
class FetchedDocument:
    """A document fetched from a site, before landing: bytes plus what to record about them."""

    kind: str  # raw-zone kind: invoice_pdf, consumption_csv
    content: bytes
    filename: str
    origin: str  # URL path (never with credentials)
    ext: str
    invoice_number: str | None = None
    invoice_date: date | None = None
    contract: str | None = None
    export_period: str | None = None  # "YYYY-MM-DD..YYYY-MM-DD" for exports covering a period


@dataclass
class CollectionResult:
    """The outcome of one account's collection by a gateway."""

    status: AccountStatus = AccountStatus.NO_NEW_DOCUMENTS
    documents: list[FetchedDocument] = field(default_factory=list)
    listed: int = 0  # invoices listed within the interval
    skipped_known: int = 0  # of those, already in the raw zone
    known_listed: list[str] = field(default_factory=list)  # their numbers
    relogins: int = 0
    message: str = ""

    def summary(self) -> str:
        """One line for the task log and the account status."""
        return (f"{self.listed} invoice(s) listed in the interval, {self.skipped_known} already collected, "
                f"{len(self.documents)} document(s) fetched" + (f", {self.relogins} re-login(s)" if self.relogins else ""))
