"""Invoice suites: arithmetic, credit notes, continuity between invoices, contract power."""

from __future__ import annotations

import pytest

from collecte.quality.invoice_frames import check_invoices, invoice_frames
from tests.unit.quality.builders import invoice

pytestmark = pytest.mark.timeout(120)


def test_coherent_invoice_and_its_credit_note_pass():
    docs = [invoice(), invoice(credit=True)]
    check = check_invoices(docs)
    assert check.success, {k: o.summary() for k, o in check.outcomes.items()}
    frames = invoice_frames(docs)
    assert [len(frames[n]) for n in ("invoice", "invoice_site", "invoice_reading", "invoice_line")] == [2, 2, 2, 8]


def test_line_that_does_not_add_up_rejects_the_whole_invoice():
    bad = invoice("FV-2026-000102")
    bad["sites"][0]["lines"][1]["amount_excl_tax"] += 10  # quantity x price no longer gives the amount
    check = check_invoices([invoice(), bad])
    assert set(check.rejected) == {("volta", "FV-2026-000102")}
    assert check.rejected[("volta", "FV-2026-000102")] == ["invoice_site.lines_add_up", "invoice_line.amount_adds_up"]


def test_totals_vat_and_sign():
    wrong_vat = invoice("FV-1")
    wrong_vat["total_incl_tax"] += 1
    positive_credit = invoice("FV-2", credit=True)
    positive_credit["total_excl_tax"] = abs(positive_credit["total_excl_tax"])
    check = check_invoices([wrong_vat, positive_credit])
    assert "invoice.total_incl_tax_adds_up" in check.rejected[("volta", "FV-1")]
    assert "invoice.sign_matches_document_type" in check.rejected[("volta", "AV-FV-2")]


def test_readings_and_meter_forms():
    gas_on_elec = invoice("FV-3", meter="GI000123")
    bad_reading = invoice("FV-4", meter="30001234567891")
    bad_reading["sites"][0]["readings"][0]["index_end"] += 5
    check = check_invoices([gas_on_elec, bad_reading])
    assert check.rejected[("volta", "FV-3")] == ["invoice_site.meter_form_matches_energy"]
    assert check.rejected[("volta", "FV-4")] == ["invoice_reading.reading_adds_up"]


def test_continuity_gap_and_overlap_are_warnings_on_the_later_invoice():
    import pandas as pd

    docs = [invoice("FV-10", start="2026-01-01", end="2026-01-31"),
            invoice("FV-11", start="2026-02-05", end="2026-02-28"),   # gap of 4 days
            invoice("FV-12", start="2026-02-20", end="2026-03-31")]   # overlaps FV-11
    history = pd.DataFrame([{"supplier": "volta", "invoice_number": "FV-09", "meter_id": "30001234567890",
                             "period_start": "2025-12-01", "period_end": "2025-12-31", "document_type": "invoice"}])
    check = check_invoices(docs, history=history)
    assert check.success
    warned = check.outcomes["invoice_site"].warned
    flags = dict(zip(warned["invoice_number"], warned["warnings"], strict=True))
    assert flags == {"FV-11": ["no_gap_with_previous_invoice"], "FV-12": ["no_overlap_with_previous_invoice"]}


def test_subscribed_power_against_contract_data():
    import pandas as pd

    contracts = pd.DataFrame([{"meter_id": "30001234567890", "max_subscribed_kva": 12.0}])
    check = check_invoices([invoice(kva=9)], contracts=contracts)
    warned = check.outcomes["invoice_site"].warned
    assert list(warned["warnings"]) == [["subscribed_power_matches_contract"]]
    assert check.success
