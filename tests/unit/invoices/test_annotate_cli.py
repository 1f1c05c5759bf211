"""The annotated visual copy and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from collecte.invoices import annotate, extract_invoice
from collecte.invoices.__main__ import main
from tests.unit.invoices.compare import shared_samples
from tests.unit.invoices.pdfs import cii_xml, facturx_pdf


def _sample(rel: str) -> Path:
    base = shared_samples()
    if base is None:
        pytest.skip("../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
    return base / rel


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_annotate_tags_every_value_with_its_field() -> None:
    data = _sample("volta/FV-2026-004016.pdf").read_bytes()
    result = extract_invoice(data, name="FV-2026-004016.pdf")
    paths = {e.field_path for e in result.evidence}
    assert {
        "invoice_number",
        "total_incl_tax",
        "sites[0].meter_id",
        "sites[0].lines[1].amount_excl_tax",
    } <= paths
    for ev in result.evidence:  # PDF user space, inside the page
        x0, y0, x1, y1 = ev.bbox
        assert 0 <= x0 < x1 <= 596 and 0 <= y0 < y1 <= 842, ev
    out = annotate(data, result)
    assert out.startswith(b"%PDF")
    text = _text(out)
    assert "invoice_number" in text
    assert "s0.lines[1] energy" in text  # a line's tag names its category
    assert "s0.lines[6] tax" in text
    assert len(pdfium.PdfDocument(out)) == len(pdfium.PdfDocument(data))


def test_annotate_multisite_pages() -> None:
    data = _sample("nordis/NRD-2026-0120053.pdf").read_bytes()
    result = extract_invoice(data)
    pages = {e.page_index for e in result.evidence}
    assert pages == {0, 1, 2}
    assert "s1.meter_id" in _text(annotate(data, result))


def test_cli_prints_json_and_writes_annotation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "fx.pdf"
    pdf.write_bytes(facturx_pdf(cii_xml()))
    out = tmp_path / "fx.annotated.pdf"
    assert main(["extract", str(pdf), "--annotate", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["invoice_number"] == "FX-2026-000123"
    assert out.read_bytes().startswith(b"%PDF")


def test_cli_failure_names_file_and_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    assert main(["extract", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "broken.pdf" in err and "unreadable" in err
    assert main(["extract", str(tmp_path / "missing.pdf")]) == 2
    assert "missing.pdf" in capsys.readouterr().err
