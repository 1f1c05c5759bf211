"""Loading extracted invoices into PostgreSQL: idempotent upserts, stale rows removed."""

from __future__ import annotations

import copy

import pytest

from collecte.invoices.load import load_invoice, load_invoices
from collecte.invoices.result import ExtractionResult

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _result(n_sites: int = 2, status: str = "ok") -> ExtractionResult:
    sites = []
    for k in range(n_sites):
        sites.append(
            {
                "meter_id": f"1234567890123{k}",
                "site_name": f"Site {k}",
                "site_address": None,
                "period_start": "2026-05-01",
                "period_end": "2026-05-31",
                "tariff_option": "4P",
                "subscribed_power_kva": 120,
                "max_power_kva": None,
                "consumption_kwh": 1000,
                "readings": [
                    {"period": "HPB", "index_start": 10, "index_end": 1010, "unit": "kWh",
                     "conversion_coefficient": None, "reading_type": "actual", "kwh": 1000},
                ],
                "lines": [
                    {"category": "energy", "label": "Énergie HPB", "period": "HPB", "quantity": 1000, "unit": "kWh",
                     "unit_price": 0.1, "amount_excl_tax": 100.0, "vat_rate": 0.2},
                    {"category": "tax", "label": "CTA (21,93\u00a0% de 10 €)", "period": None, "quantity": None,
                     "unit": None, "unit_price": None, "amount_excl_tax": 2.19, "vat_rate": 0.2},
                ],
                "total_excl_tax": 102.19,
            }
        )  # fmt: skip
    total = round(102.19 * n_sites, 2)
    invoice = {
        "supplier": "nordis", "document_type": "invoice", "invoice_number": "NRD-TEST-1",
        "invoice_date": "2026-06-08", "due_date": None, "customer_account": "NC1", "customer_name": "ACME",
        "energy": "electricity", "currency": "EUR", "total_excl_tax": total,
        "total_vat": round(total * 0.2, 2), "total_incl_tax": round(total * 1.2, 2), "sites": sites,
    }  # fmt: skip
    return ExtractionResult(status, invoice, [] if status == "ok" else ["x.pdf: check"], "template:nordis")


def _counts(conn) -> tuple[int, ...]:
    return tuple(
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("invoice", "invoice_site", "invoice_reading", "invoice_line")
    )


def test_load_is_idempotent(pg_url: str) -> None:
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        first = load_invoice(conn, _result(), "raw/source=nordis/x.pdf")
        assert (first.invoices, first.sites, first.readings, first.lines) == (1, 2, 2, 4)
        again = load_invoice(conn, _result(), "raw/source=nordis/x.pdf")
        assert again.changed == 0
        assert _counts(conn) == (1, 2, 2, 4)
        label = conn.execute("SELECT label FROM invoice_line WHERE category = 'tax' LIMIT 1").fetchone()[0]
        assert "\u00a0%" in label


def test_reextraction_replaces_and_removes_stale_rows(pg_url: str) -> None:
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        load_invoice(conn, _result(3), "raw/a.pdf")
        smaller = _result(2, status="needs_review")
        smaller.invoice["sites"][0]["lines"].pop()
        count = load_invoice(conn, smaller, "raw/b.pdf")
        assert count.deleted == 2  # site 3 (its reading and lines go by cascade, not counted) + one line
        assert _counts(conn) == (1, 2, 2, 3)
        status, reasons, raw = conn.execute("SELECT status, reasons, raw_key FROM invoice").fetchone()
        assert (status, reasons, raw) == ("needs_review", ["x.pdf: check"], "raw/b.pdf")


def test_unloadable_results_are_skipped(pg_url: str) -> None:
    from collecte.warehouse.db import connect

    bad = ExtractionResult("no_template", None, ["x.pdf: no template matches"])
    with connect(pg_url) as conn:
        ok = _result()
        twice = copy.deepcopy(ok)
        count = load_invoices(conn, [(bad, "raw/bad.pdf"), (ok, "raw/1.pdf"), (twice, "raw/2.pdf")])
        assert count.invoices == 1
        assert conn.execute("SELECT raw_key FROM invoice").fetchone()[0] == "raw/2.pdf"


def test_samples_load_twice_without_change(pg_url: str) -> None:
    from collecte.invoices import extract_invoice
    from collecte.warehouse.db import connect
    from tests.unit.invoices.compare import shared_samples

    base = shared_samples()
    if base is None:
        pytest.skip("../shared/samples/invoices is absent (set COLLECTE_SHARED_DIR)")
    items = [
        (extract_invoice(p.read_bytes(), name=p.name), f"raw/{p.name}") for p in sorted(base.glob("*/*.pdf"))
    ]
    with connect(pg_url) as conn:
        first = load_invoices(conn, items)
        assert first.invoices == 12
        assert load_invoices(conn, items).changed == 0
        total = conn.execute(
            "SELECT sum(total_excl_tax) FROM invoice_site WHERE invoice_number = 'NRD-2026-0120102'"
        )
        assert float(total.fetchone()[0]) == 475322.40
        gas = conn.execute(
            "SELECT conversion_coefficient, unit FROM invoice_reading WHERE period = 'GAS' LIMIT 1"
        )
        assert gas.fetchone()[1] == "m3"
