"""Every sample invoice of ../shared/samples/invoices is extracted exactly as its JSON says."""

from __future__ import annotations

from pathlib import Path

import pytest

from collecte.invoices import extract_invoice
from tests.unit.invoices.compare import diff, load_json, shared_samples

SAMPLES = shared_samples()
PDFS = sorted(SAMPLES.glob("*/*.pdf")) if SAMPLES else []


@pytest.mark.skipif(SAMPLES is None, reason="../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
@pytest.mark.parametrize("pdf", PDFS, ids=[f"{p.parent.name}/{p.stem}" for p in PDFS])
def test_sample_exact(pdf: Path) -> None:
    result = extract_invoice(pdf.read_bytes(), name=pdf.name)
    expected = load_json(pdf.with_suffix(".json"))
    assert result.source == f"template:{pdf.parent.name}"
    differences = diff(result.invoice, expected)
    assert not differences, f"{pdf.name}: {len(differences)} differences:\n" + "\n".join(differences)
    assert result.status == "ok", result.reasons
    assert result.reasons == []


@pytest.mark.skipif(SAMPLES is None, reason="../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
def test_every_supplier_has_samples() -> None:
    assert {p.parent.name for p in PDFS} >= {"volta", "azur", "gazelec", "nordis"}


@pytest.mark.skipif(SAMPLES is None, reason="../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
def test_extractions_follow_the_shared_schema() -> None:
    import jsonschema

    schema = load_json(SAMPLES.parent.parent / "contracts" / "invoice.schema.json")
    for pdf in PDFS:
        jsonschema.validate(extract_invoice(pdf.read_bytes()).invoice, schema)
