"""Load extracted invoices into the warehouse (migration 0100_invoices.sql), idempotently.

Each table is upserted by its natural key with ``copy_upsert`` (COPY + INSERT .. ON CONFLICT ..
WHERE IS DISTINCT FROM): loading the same extraction twice changes nothing and reports 0 rows.
Sites, readings and lines that a new extraction of the same invoice no longer has are deleted,
so the warehouse always holds the latest extraction of each invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from collecte.invoices.result import ExtractionResult

INVOICE_COLUMNS = (
    "supplier", "invoice_number", "document_type", "invoice_date", "due_date", "customer_account",
    "customer_name", "energy", "currency", "total_excl_tax", "total_vat", "total_incl_tax", "site_count",
    "status", "reasons", "source", "raw_key", "layout_changes",
)  # fmt: skip
SITE_COLUMNS = (
    "supplier", "invoice_number", "meter_id", "position", "site_name", "site_address", "period_start",
    "period_end", "tariff_option", "subscribed_power_kva", "max_power_kva", "consumption_kwh", "total_excl_tax",
)  # fmt: skip
READING_COLUMNS = (
    "supplier", "invoice_number", "meter_id", "position", "period", "index_start", "index_end", "unit",
    "conversion_coefficient", "reading_type", "kwh",
)  # fmt: skip
LINE_COLUMNS = (
    "supplier", "invoice_number", "meter_id", "position", "category", "label", "period", "quantity", "unit",
    "unit_price", "amount_excl_tax", "vat_rate",
)  # fmt: skip
INVOICE_KEY = ("supplier", "invoice_number")
SITE_KEY = ("supplier", "invoice_number", "meter_id")
ITEM_KEY = ("supplier", "invoice_number", "meter_id", "position")
LOADABLE = ("ok", "needs_review")


@dataclass(frozen=True)
class LoadCount:
    """Rows changed per table by one load (0 everywhere on a rerun with the same data)."""

    invoices: int = 0
    sites: int = 0
    readings: int = 0
    lines: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        """Every row inserted, updated or deleted."""
        return self.invoices + self.sites + self.readings + self.lines + self.deleted


def _rows(result: ExtractionResult, raw_key: str) -> tuple[list, list, list, list]:
    from psycopg.types.json import Jsonb

    inv = result.invoice or {}
    key = (inv["supplier"], inv["invoice_number"])
    invoices = [
        (
            *key, inv["document_type"], inv["invoice_date"], inv.get("due_date"), inv.get("customer_account"),
            inv.get("customer_name"), inv["energy"], inv.get("currency") or "EUR", inv["total_excl_tax"],
            inv["total_vat"], inv["total_incl_tax"], len(inv["sites"]), result.status, Jsonb(result.reasons),
            result.source or "unknown", raw_key, Jsonb(result.layout_changes),
        )
    ]  # fmt: skip
    sites, readings, lines = [], [], []
    for s_pos, site in enumerate(inv["sites"]):
        meter = site["meter_id"]
        sites.append(
            (
                *key, meter, s_pos, site.get("site_name"), site.get("site_address"), site["period_start"],
                site["period_end"], site.get("tariff_option"), site.get("subscribed_power_kva"),
                site.get("max_power_kva"), site["consumption_kwh"], site["total_excl_tax"],
            )
        )  # fmt: skip
        for r_pos, r in enumerate(site.get("readings") or []):
            readings.append(
                (
                    *key, meter, r_pos, r["period"], r.get("index_start"), r.get("index_end"), r.get("unit"),
                    r.get("conversion_coefficient"), r.get("reading_type"), r["kwh"],
                )
            )  # fmt: skip
        for l_pos, ln in enumerate(site["lines"]):
            lines.append(
                (
                    *key, meter, l_pos, ln["category"], ln["label"], ln.get("period"), ln.get("quantity"),
                    ln.get("unit"), ln.get("unit_price"), ln["amount_excl_tax"], ln.get("vat_rate"),
                )
            )  # fmt: skip
    return invoices, sites, readings, lines


def _delete_stale(conn: Any, invoices: list, sites: list, readings: list, lines: list) -> int:
    """Delete sites/readings/lines of the loaded invoices that the new extraction no longer has."""
    deleted = 0
    with conn.cursor() as cur:
        for inv in invoices:
            key = (inv[0], inv[1])
            meters = [s[2] for s in sites if (s[0], s[1]) == key]
            cur.execute(
                "DELETE FROM invoice_site WHERE supplier = %s AND invoice_number = %s AND NOT meter_id = ANY(%s)",
                (*key, meters),
            )
            deleted += cur.rowcount
            for table, items in (("invoice_reading", readings), ("invoice_line", lines)):
                for meter in meters:
                    count = sum(1 for it in items if (it[0], it[1], it[2]) == (*key, meter))
                    cur.execute(
                        f"DELETE FROM {table} WHERE supplier = %s AND invoice_number = %s AND meter_id = %s"
                        " AND position >= %s",
                        (*key, meter, count),
                    )
                    deleted += cur.rowcount
    return deleted


def load_invoices(conn: Any, items: Iterable[tuple[ExtractionResult, str]]) -> LoadCount:
    """Upsert many extractions ``(result, raw_key)`` in one transaction (one COPY per table).

    Only results with an invoice (status "ok" or "needs_review") are loaded; others are skipped
    (they belong in the quarantine with their reasons, not in the warehouse).
    """
    from collecte.warehouse.upsert import copy_upsert

    invoices: list = []
    sites: list = []
    readings: list = []
    lines: list = []
    seen: set[tuple[str, str]] = set()
    for result, raw_key in items:
        if result.status not in LOADABLE or not result.invoice:
            continue
        key = (result.invoice["supplier"], result.invoice["invoice_number"])
        if key in seen:  # the same invoice twice in one batch: the last extraction wins
            invoices = [r for r in invoices if (r[0], r[1]) != key]
            sites, readings, lines = (
                [r for r in rows if (r[0], r[1]) != key] for rows in (sites, readings, lines)
            )
        seen.add(key)
        i, s, r, ln = _rows(result, raw_key)
        invoices += i
        sites += s
        readings += r
        lines += ln
    if not invoices:
        return LoadCount()
    with conn.transaction():
        n_inv = copy_upsert(conn, "invoice", INVOICE_COLUMNS, invoices, INVOICE_KEY).changed
        deleted = _delete_stale(conn, invoices, sites, readings, lines)
        n_sites = copy_upsert(conn, "invoice_site", SITE_COLUMNS, sites, SITE_KEY).changed
        n_read = (
            copy_upsert(conn, "invoice_reading", READING_COLUMNS, readings, ITEM_KEY).changed
            if readings
            else 0
        )
        n_lines = copy_upsert(conn, "invoice_line", LINE_COLUMNS, lines, ITEM_KEY).changed if lines else 0
    return LoadCount(n_inv, n_sites, n_read, n_lines, deleted)


def load_invoice(conn: Any, result: ExtractionResult, raw_key: str) -> LoadCount:
    """Upsert one extraction; ``raw_key`` is the raw-zone object of its PDF."""
    return load_invoices(conn, [(result, raw_key)])
