"""One bad file never stops its batch (#11.16): it is quarantined with its reason, the others load."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.timeout(240)]


def _land(zone, content: bytes, name: str, kind: str) -> str:
    return zone.land(content, source="nordis", kind=kind, account="NC1", received=date(2026, 9, 1),
                     ext=name.rsplit(".", 1)[-1], original_name=name, origin="test").key


def _quarantine(pg_url: str) -> dict[str, str]:
    with connect(pg_url) as conn:
        return dict(conn.execute("SELECT raw_key, reason FROM quarantine_record WHERE record_ref = '*'"))


def test_a_pdf_cut_before_its_xref_is_quarantined_and_the_batch_loads(pg_url, raw_zone):
    from collecte.stages.invoices import process_invoice_batch
    from sandbox.invoices.api import generate

    good = [generate("nordis", seed) for seed in (3, 4)]
    cut = generate("nordis", 5).pdf
    cut = cut[:cut.rfind(b"xref")]  # extracts fine; its annotated copy raises PdfStreamError
    keys = [_land(raw_zone, g.pdf, f"ok{i}.pdf", "invoice_pdf") for i, g in enumerate(good)]
    bad = _land(raw_zone, cut, "cut.pdf", "invoice_pdf")
    with connect(pg_url) as conn:
        summary = process_invoice_batch(raw_zone, conn, "nordis", [keys[0], bad, keys[1]])
        loaded = {r[0] for r in conn.execute("SELECT invoice_number FROM invoice")}
    assert summary.loaded == 2 and summary.quarantined == [bad]
    assert loaded == {g.truth["invoice_number"] for g in good}
    reason = _quarantine(pg_url)[bad]
    assert "PdfStreamError" in reason and bad in reason
    assert raw_zone.keys(f"quarantine/{bad.removeprefix('raw/')}")  # the bytes kept aside with the reason


def test_a_csv_with_an_unbalanced_quote_over_128_kb_is_quarantined_and_the_others_load(pg_url, raw_zone):
    from collecte.config import load_suppliers
    from collecte.stages.consumption import load_consumption_file
    from sandbox import drops
    from sandbox.invoices.api import generate

    nordis = next(s for s in load_suppliers() if s.code == "nordis")
    good = drops.consumption_csv(generate("nordis", 3).truth)
    header, first = good.split(b"\n")[:2]
    broken = header + b"\n" + first.replace(b";", b';"', 1) + b"\n" + b"x" * (130 * 1024) + b"\n"
    good_key = _land(raw_zone, good, "good.csv", "consumption_csv")
    bad_key = _land(raw_zone, broken, "bad.csv", "consumption_csv")
    with connect(pg_url) as conn:
        rejected = load_consumption_file(raw_zone, conn, nordis, bad_key)
        loaded = load_consumption_file(raw_zone, conn, nordis, good_key)
        rows = conn.execute("SELECT count(*) FROM supplier_consumption").fetchone()[0]
    assert "field larger than field limit" in rejected.file_rejected
    assert loaded.file_rejected is None and loaded.loaded == rows == good.count(b"\n") - 1
    assert "unreadable CSV" in _quarantine(pg_url)[bad_key] and "field larger" in _quarantine(pg_url)[bad_key]


def test_an_invoice_that_breaks_the_check_or_the_load_is_quarantined_and_the_others_load(pg_url, raw_zone,
                                                                                           monkeypatch):
    import collecte.invoices.load as load_module
    import collecte.quality.invoice_frames as frames_module
    from collecte.stages.invoices import process_invoice_batch
    from sandbox.invoices.api import generate

    invoices = [generate("nordis", seed) for seed in (11, 12, 13)]
    keys = [_land(raw_zone, g.pdf, f"f{i}.pdf", "invoice_pdf") for i, g in enumerate(invoices)]
    breaks_check, breaks_load = (g.truth["invoice_number"] for g in invoices[:2])
    real_check, real_load = frames_module.check_invoices, load_module.load_invoices

    def check(docs, **kwargs):  # a check that trips over one invoice (e.g. a value it cannot compare)
        if any(d["invoice_number"] == breaks_check for d in docs):
            raise TypeError("'<' not supported between instances of 'str' and 'float'")
        return real_check(docs, **kwargs)

    def load(conn, items):  # the database refuses one invoice (e.g. a constraint)
        if any(r.invoice["invoice_number"] == breaks_load for r, _ in items):
            raise ValueError("numeric field overflow")
        return real_load(conn, items)

    monkeypatch.setattr(frames_module, "check_invoices", check)
    monkeypatch.setattr(load_module, "load_invoices", load)
    with connect(pg_url) as conn:
        summary = process_invoice_batch(raw_zone, conn, "nordis", keys)
        loaded = [r[0] for r in conn.execute("SELECT invoice_number FROM invoice")]
    assert loaded == [invoices[2].truth["invoice_number"]] and summary.loaded == 1
    assert sorted(summary.quarantined) == sorted(keys[:2])
    reasons = _quarantine(pg_url)
    assert "TypeError" in reasons[keys[0]] and "numeric field overflow" in reasons[keys[1]]
