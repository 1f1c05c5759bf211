"""Known documents from raw-object metadata; credentials never shown; gateway lookup."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.sources.portal.collect import already_landed, gateway_class, known_documents, land_document
from collecte.sources.portal.models import Credentials, FetchedDocument

pytestmark = pytest.mark.timeout(60)


def test_credentials_never_show_the_password():
    creds = Credentials("V-1", "s3cr3t-P@ss")
    assert "s3cr3t-P@ss" not in repr(creds) and "s3cr3t-P@ss" not in str(creds)


def test_gateway_modules():
    assert gateway_class("volta").code == "volta"
    assert gateway_class("gazelec").code == "gazelec"
    with pytest.raises(ValueError):
        gateway_class("../x")


@pytest.mark.services
def test_known_invoices_and_exports_come_from_metadata(raw_zone):
    pdf = FetchedDocument(kind="invoice_pdf", content=b"%PDF-1 a", filename="FV-1.pdf", origin="/volta/factures/FV-1.pdf",
                          ext="pdf", invoice_number="FV-1", invoice_date=date(2026, 3, 4), contract="123")
    csv = FetchedDocument(kind="consumption_csv", content=b"PDL;kWh\n1;2\n", filename="c.csv", origin="/x",
                          ext="csv", contract="123", export_period="2026-03-01..2026-03-31")
    first = land_document(raw_zone, pdf, source="volta", account="V-1", received=date(2026, 3, 5))
    export = land_document(raw_zone, csv, source="volta", account="V-1", received=date(2026, 3, 5))
    again = land_document(raw_zone, pdf, source="volta", account="V-1", received=date(2026, 3, 6))

    assert first["created"] and not again["created"] and again["key"] == first["key"]
    numbers, exports = known_documents(raw_zone, "volta", "V-1")
    assert numbers == {"FV-1": first["key"]}
    assert exports == {"123:2026-03-01..2026-03-31": export["key"]}
    meta = raw_zone.metadata(first["key"])
    assert meta["invoice-date"] == "2026-03-04" and meta["origin"] == "/volta/factures/FV-1.pdf"

    refs = already_landed(numbers, exports, listed=["FV-1"], first=date(2026, 3, 1), last=date(2026, 3, 31),
                          account="V-1")
    assert {r["key"] for r in refs} == {first["key"], export["key"]} and not any(r["created"] for r in refs)
