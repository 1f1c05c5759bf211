"""Failure modes: unreadable files, pages without text, unknown layouts, inconsistent invoices."""

from __future__ import annotations

import pytest

from collecte.invoices import extract_invoice
from tests.unit.invoices.compare import shared_samples
from tests.unit.invoices.pdfs import encrypted_pdf, image_only_pdf, text_pdf


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"hello, not a pdf at all", "not a PDF"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "corrupted"),
    ],
    ids=["empty", "not-pdf", "corrupted"],
)
def test_unreadable(data: bytes, words: str) -> None:
    result = extract_invoice(data, name="x.pdf")
    assert result.status == "unreadable"
    assert result.invoice is None
    assert any("x.pdf" in r and words in r for r in result.reasons), result.reasons


def test_truncated_pdf_is_unreadable() -> None:
    data = text_pdf(["Volta Énergie"])
    result = extract_invoice(data[: len(data) // 3], name="cut.pdf")
    assert result.status == "unreadable", result.reasons


def test_encrypted_pdf() -> None:
    result = extract_invoice(encrypted_pdf(), name="locked.pdf")
    assert result.status == "unreadable"
    assert "encrypted" in result.reasons[0] and "locked.pdf" in result.reasons[0]


def test_image_only_pdf_needs_ocr() -> None:
    result = extract_invoice(image_only_pdf(), name="scan.pdf")
    assert result.status == "needs_ocr"
    assert "scan.pdf" in result.reasons[0]


def test_unknown_layout_names_closest_templates() -> None:
    pdf = text_pdf(
        ["ACME Power Ltd", "Invoice 42", "Total 12.00", "Fournisseur d'électricité des professionnels"]
    )
    result = extract_invoice(pdf, name="acme.pdf")
    assert result.status == "no_template"
    reason = result.reasons[0]
    assert "acme.pdf" in reason and "no template matches" in reason
    assert "volta 0.2" in reason  # the closest candidate with its score


def _sample(supplier: str, stem: str) -> bytes:
    base = shared_samples()
    if base is None:
        pytest.skip("../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
    return (base / supplier / f"{stem}.pdf").read_bytes()


def test_reconciliation_failure_is_returned_for_review(monkeypatch: pytest.MonkeyPatch) -> None:
    """A total that does not match its lines: the record comes back, flagged, with reasons."""
    from collecte.invoices import api
    from collecte.invoices.engine import apply_template as real_apply

    def tampered(tpl, doc):
        ex = real_apply(tpl, doc)
        ex.invoice["sites"][0]["lines"][0]["amount_excl_tax"] += 1
        return ex

    pdf = _sample("volta", "FV-2026-004016")
    monkeypatch.setattr(api, "apply_template", tampered)
    result = extract_invoice(pdf, name="FV-2026-004016.pdf")
    assert result.status == "needs_review"
    assert result.invoice is not None
    text = "\n".join(result.reasons)
    assert (
        "FV-2026-004016.pdf: sites[0] (49235068540964): lines sum to 403.78 but the site total is 402.78"
        in text
    )
    assert "lines[0]" in text  # quantity x unit price no longer gives the amount


def test_blank_pdf_is_unreadable() -> None:
    result = extract_invoice(text_pdf([]), name="blank.pdf")
    assert result.status == "unreadable"
    assert "blank" in result.reasons[0]


def test_a_scanned_page_inside_a_text_invoice_is_reported() -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    data = _sample("volta", "FV-2026-004016")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_page(PdfReader(io.BytesIO(image_only_pdf())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    result = extract_invoice(out.getvalue(), name="mixed.pdf")
    assert result.status == "needs_review"
    assert any("page(s) 3" in r and "OCR" in r for r in result.reasons)
    assert result.invoice["invoice_number"] == "FV-2026-004016"


def test_a_scanned_first_page_needs_ocr() -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(image_only_pdf())))
    writer.add_page(PdfReader(io.BytesIO(text_pdf(["Conditions générales de vente", "Article 1"]))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    result = extract_invoice(out.getvalue(), name="scan2.pdf")
    assert result.status == "needs_ocr"
    assert "scan2.pdf: page 1" in result.reasons[0]
