"""One API account's collection: list invoices since the interval's first day, land the new PDFs."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from collecte.sources.portal.collect import AccountRun, already_landed, known_documents, land_document
from collecte.sources.portal.errors import CollectionError
from collecte.sources.portal.models import FetchedDocument
from collecte.sources.portal.status import AccountStatus


def client_class(name: str) -> type:
    """The client of `collecte.sources.supplier_api.<name>` (the road's `gateway` setting)."""
    if not name.isidentifier():
        raise ValueError(f"gateway {name!r} is not a module name")
    return importlib.import_module(f"collecte.sources.supplier_api.{name}").Client


def collect_api_account(client: Any, raw_zone: Any, *, account: str, first: date, last: date,
                        received: date | None = None) -> AccountRun:
    """Land the PDFs of invoices dated [first, last] not yet in the raw zone; never raises CollectionError."""
    source = client.code
    received = received or datetime.now(UTC).date()
    numbers, _ = known_documents(raw_zone, source, account)
    landed: list[dict[str, Any]] = []
    listed, known_listed = 0, []
    try:
        for invoice in client.invoices_since(first):
            if invoice.invoice_date > last:
                continue
            listed += 1
            if invoice.number in numbers:
                known_listed.append(invoice.number)
                continue
            doc = FetchedDocument(kind="invoice_pdf", content=client.pdf(invoice), filename=f"{invoice.number}.pdf",
                                  origin=urlsplit(invoice.pdf_path).path, ext="pdf", invoice_number=invoice.number,
                                  invoice_date=invoice.invoice_date, contract=invoice.delivery_point)
            landed.append(land_document(raw_zone, doc, source=source, account=account, received=received))
    except CollectionError as exc:
        message = str(exc) + (f" (kept {len(landed)} document(s) fetched before)" if landed else "")
        return AccountRun(source, account, exc.status, message, landed, None, exc)
    created = sum(1 for obj in landed if obj["created"])
    landed += already_landed(numbers, {}, listed=known_listed, first=first, last=last, account=account)
    return AccountRun(source, account, AccountStatus.OK if created else AccountStatus.NO_NEW_DOCUMENTS,
                      f"{listed} invoice(s) listed in the interval, {len(known_listed)} already collected, "
                      f"{created} new in the raw zone", landed)
