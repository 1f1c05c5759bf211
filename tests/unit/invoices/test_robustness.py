"""Robustness to small layout shifts: the samples moved and scaled still read exactly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter, Transformation

from collecte.invoices import extract_invoice
from tests.unit.invoices.compare import diff, load_json, shared_samples

SAMPLES = shared_samples()
PDFS = sorted(SAMPLES.glob("*/*.pdf")) if SAMPLES else []
SHIFTS = [(8, -8, 1.0), (-6, 10, 1.0), (0, 0, 0.97), (5, 5, 1.03), (0, -15, 1.0)]


def _moved(data: bytes, tx: float, ty: float, scale: float) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        page.add_transformation(Transformation().scale(scale, scale).translate(tx, ty))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.skipif(SAMPLES is None, reason="../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
@pytest.mark.parametrize("shift", SHIFTS, ids=[f"dx{s[0]}-dy{s[1]}-x{s[2]}" for s in SHIFTS])
def test_shifted_samples_read_exactly(shift: tuple[float, float, float]) -> None:
    failures = []
    for pdf in PDFS:
        result = extract_invoice(_moved(pdf.read_bytes(), *shift), name=pdf.name)
        differences = diff(result.invoice, load_json(Path(pdf).with_suffix(".json")))
        if differences or result.status != "ok":
            failures.append(
                f"{pdf.name} [{result.status}]: " + "; ".join(differences[:4] + result.reasons[:2])
            )
    assert not failures, "\n".join(failures)


@pytest.mark.skipif(SAMPLES is None, reason="../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
def test_rectangle_road_reads_the_samples_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback for pages whose text objects span several lines gives the same records."""
    from collecte.invoices import pdftext

    monkeypatch.setattr(pdftext, "MAX_RUN_HEIGHT", 0.0)  # every page takes the rectangle road
    for pdf in PDFS:
        result = extract_invoice(pdf.read_bytes(), name=pdf.name)
        assert not diff(result.invoice, load_json(pdf.with_suffix(".json"))), pdf.name
