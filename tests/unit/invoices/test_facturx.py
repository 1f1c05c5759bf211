"""Structured data first: an embedded Factur-X XML is read instead of the printed layout."""

from __future__ import annotations

import pytest
from facturx import generate_from_binary

from collecte.invoices import extract_invoice
from collecte.invoices.facturx import parse_cii
from collecte.invoices.template import load_templates
from tests.unit.invoices.compare import shared_samples
from tests.unit.invoices.pdfs import cii_xml, facturx_pdf


def test_facturx_invoice_is_read_from_xml() -> None:
    result = extract_invoice(facturx_pdf(cii_xml()), name="fx.pdf")
    assert result.source == "facturx"
    assert result.status == "ok", result.reasons
    inv = result.invoice
    assert inv["supplier"] == "volta"  # seller name matched against the templates
    assert inv["invoice_number"] == "FX-2026-000123"
    assert inv["invoice_date"] == "2026-08-09"
    assert inv["due_date"] == "2026-08-24"
    assert inv["customer_name"] == "Boulangerie Martin SARL"
    assert inv["customer_account"] == "8868338172"
    assert (inv["total_excl_tax"], inv["total_vat"], inv["total_incl_tax"]) == (241.33, 48.27, 289.6)
    (site,) = inv["sites"]
    assert site["meter_id"] == "49235068540964"
    assert (site["period_start"], site["period_end"]) == ("2026-07-10", "2026-08-08")
    assert site["site_address"] == "3 quai de la Fosse, 44000 Nantes"
    assert site["consumption_kwh"] == 1000
    cats = [(ln["category"], ln["unit"], ln["period"]) for ln in site["lines"]]
    assert cats == [
        ("subscription", "day", None),
        ("energy", "kWh", "BASE"),
        ("network", "day", None),
        ("tax", "kWh", None),
    ]
    assert site["lines"][1]["vat_rate"] == 0.2


def test_facturx_credit_note_is_negated() -> None:
    result = extract_invoice(facturx_pdf(cii_xml(type_code="381", number="AV-FX-1")), name="av.pdf")
    inv = result.invoice
    assert inv["document_type"] == "credit_note"
    assert inv["total_excl_tax"] < 0 and inv["total_incl_tax"] < 0
    assert all(ln["amount_excl_tax"] < 0 and ln["quantity"] < 0 for ln in inv["sites"][0]["lines"])
    assert result.status == "ok", result.reasons


def test_facturx_inconsistent_totals_need_review() -> None:
    xml = cii_xml().replace(b"<ram:TaxBasisTotalAmount>241.33", b"<ram:TaxBasisTotalAmount>241.34")
    result = extract_invoice(facturx_pdf(xml), name="bad.pdf")
    assert result.status == "needs_review"
    assert any("bad.pdf" in r and "total_excl_tax" in r for r in result.reasons)


def test_parse_cii_unknown_seller_keeps_a_slug() -> None:
    inv, problems = parse_cii(cii_xml(seller="Électrons Libres SA"), load_templates())
    assert inv["supplier"] == "électrons_libres_sa"
    assert not problems


def test_facturx_and_printed_invoice_disagree() -> None:
    """An XML that does not say what the page prints: read from the XML, flagged for review."""
    base = shared_samples()
    if base is None:
        pytest.skip("../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
    printed = (base / "volta" / "FV-2026-004016.pdf").read_bytes()
    pdf = generate_from_binary(printed, cii_xml(number="FV-2026-004016"), check_xsd=False)
    result = extract_invoice(pdf, name="mix.pdf")
    assert result.source == "facturx"
    assert result.status == "needs_review"
    text = "\n".join(result.reasons)
    assert "mix.pdf: total_excl_tax: the Factur-X XML says 241.33, the printed invoice 402.78" in text
    assert "XML lines differ from the printed lines" in text
    assert result.invoice["sites"][0]["readings"]  # completed from the page
