"""The documents a sandbox account holds: invoice PDFs with their truth, and consumption exports.

Invoices come from the project's invoice generator (`sandbox.invoices.generate_account_history`,
same layouts as ../shared/samples/invoices/<code>/). They are made lazily, the first time an
account's list is asked for, and kept for the life of the server.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from sandbox.portals.accounts import SandboxAccount


@dataclass(frozen=True)
class PortalInvoice:
    """One invoice as a portal shows it."""

    number: str
    invoice_date: date
    contract: str  # the delivery point (PRM / PCE) the invoice is for
    period_start: date | None
    period_end: date | None
    total_incl_tax: float
    document_type: str
    pdf: bytes
    filename: str
    truth: dict[str, Any]


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _generate(account: SandboxAccount) -> list[Any]:
    from sandbox.invoices import generate_account_history

    history = generate_account_history(account.portal, account_seed=account.seed, months=account.months,
                                       n_contracts=account.contracts)
    return history


def to_portal_invoice(generated: Any) -> PortalInvoice:
    """A generator result (`.pdf`, `.truth`, `.filename`) as the portal lists it."""
    truth = generated.truth
    site = (truth.get("sites") or [{}])[0]
    return PortalInvoice(
        number=truth["invoice_number"],
        invoice_date=date.fromisoformat(truth["invoice_date"]),
        contract=site.get("meter_id") or truth.get("customer_account") or "",
        period_start=_as_date(site.get("period_start")),
        period_end=_as_date(site.get("period_end")),
        total_incl_tax=float(truth.get("total_incl_tax") or 0),
        document_type=truth.get("document_type", "invoice"),
        pdf=generated.pdf,
        filename=generated.filename,
        truth=truth,
    )


class DocumentStore:
    """Invoices per account, generated once on first use (thread-safe)."""

    def __init__(self, generate: Any = None) -> None:
        self._generate = generate or _generate
        self._by_account: dict[str, list[PortalInvoice]] = {}
        self._lock = threading.Lock()

    def invoices(self, account: SandboxAccount) -> list[PortalInvoice]:
        """All invoices of the account, newest first."""
        key = f"{account.portal}/{account.login}"
        with self._lock:
            if key not in self._by_account:
                found = [to_portal_invoice(g) for g in self._generate(account)]
                found.sort(key=lambda inv: (inv.invoice_date, inv.number), reverse=True)
                self._by_account[key] = found
            return self._by_account[key]

    def invoice(self, account: SandboxAccount, number: str) -> PortalInvoice | None:
        """One invoice of the account by number (None if it is not the account's)."""
        return next((inv for inv in self.invoices(account) if inv.number == number), None)

    def consumption_export(self, account: SandboxAccount, contract: str, first: date, last: date) -> bytes:
        """The consumption CSV the portal exports for one contract (a test may serve another)."""
        return consumption_csv(self.invoices(account), contract, first, last)

    def contracts(self, account: SandboxAccount) -> list[str]:
        """Delivery points of the account, in a stable order."""
        return sorted({inv.contract for inv in self.invoices(account)})


def _fr(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def consumption_csv(invoices: list[PortalInvoice], contract: str, first: date, last: date) -> bytes:
    """Volta's consumption export: kWh per billing period and time class, periods ending in [first, last].

    Semicolon-separated, decimal comma, UTF-8 with BOM, as French portals export for Excel.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["PDL", "Site", "Debut", "Fin", "Classe", "kWh", "Facture"])
    rows = []
    for inv in invoices:
        if inv.contract != contract or inv.document_type != "invoice" or inv.period_end is None:
            continue
        if not first <= inv.period_end <= last:
            continue
        for site in inv.truth.get("sites", []):
            for reading in site.get("readings") or []:
                rows.append([site["meter_id"], site.get("site_name") or "", _fr(site["period_start"]),
                             _fr(site["period_end"]), reading["period"], str(reading["kwh"]).replace(".", ","),
                             inv.number, site["period_start"]])
    rows.sort(key=lambda r: (r[7], r[4]))
    rows = [r[:7] for r in rows]
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
