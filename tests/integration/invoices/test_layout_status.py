"""Layout drift kept for the account status page: one row per departed raw invoice, a per-supplier view."""

from __future__ import annotations

import pytest

from collecte.invoices import extract_invoice
from collecte.invoices.layout_status import account_of, layout_status, record_layout_change
from collecte.invoices.load import load_invoice

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _drifted(kinds: list[str], seed: int = 4):
    from sandbox.invoices import generate

    g = generate("volta", seed, drift=kinds)
    return extract_invoice(g.pdf, name=g.filename)


def test_layout_changes_are_kept_per_supplier(pg_url: str) -> None:
    import psycopg

    unread = _drifted(["unknown_column"])
    absorbed = _drifted(["extra_column"], seed=5)
    assert unread.status == "layout_changed" and absorbed.status == "ok" and absorbed.layout_changes
    with psycopg.connect(pg_url) as conn:
        base = "raw/source=volta/kind=invoice_pdf/account=ACC-7/received=2026-03-02/"
        assert record_layout_change(conn, "volta", base + "a.pdf", unread)
        assert record_layout_change(conn, "volta", base + "b.pdf", absorbed)
        assert record_layout_change(conn, "volta", base + "b.pdf", absorbed)  # rerun: same row
        rows = conn.execute("SELECT raw_key, account_id, status FROM invoice_layout_change ORDER BY raw_key").fetchall()
        assert rows == [(base + "a.pdf", "ACC-7", "layout_changed"), (base + "b.pdf", "ACC-7", "ok")]
        (status,) = layout_status(conn)
        assert status["supplier"] == "volta" and status["unread_invoices"] == 1 and status["departed_invoices"] == 2
        assert "unexpected column" in status["latest_changes"] and "new column" in status["latest_changes"]
        # what the template absorbed is kept with the loaded invoice
        load_invoice(conn, absorbed, base + "b.pdf")
        (changes,) = conn.execute("SELECT layout_changes FROM invoice").fetchone()
        assert changes == absorbed.layout_changes
    assert account_of("raw/source=x/kind=invoice_pdf/received=2026-01-01/k.pdf") is None
