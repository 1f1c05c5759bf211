"""Invoices as exporters send them: rebuilt from the warehouse tables (what passed the checks).

Reading the warehouse rather than the staged JSON means a run exports exactly what analysts see,
and a run after an outage finds every invoice still to send. Numbers are plain JSON numbers
(whole values as integers), so a version's hash does not depend on the column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

INVOICE_FIELDS = ("supplier", "document_type", "invoice_number", "invoice_date", "due_date", "customer_account",
                  "customer_name", "energy", "currency", "total_excl_tax", "total_vat", "total_incl_tax")
SITE_FIELDS = ("meter_id", "site_name", "site_address", "period_start", "period_end", "tariff_option",
               "subscribed_power_kva", "max_power_kva", "consumption_kwh", "total_excl_tax")
READING_FIELDS = ("period", "index_start", "index_end", "unit", "conversion_coefficient", "reading_type", "kwh")
LINE_FIELDS = ("category", "label", "period", "quantity", "unit", "unit_price", "amount_excl_tax", "vat_rate")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _select(conn: Any, table: str, supplier: str, numbers: Sequence[str] | None,
            statuses: Sequence[str] | None = None) -> list[dict[str, Any]]:
    from psycopg import sql
    from psycopg.rows import dict_row

    columns = {r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = %s", (table,)).fetchall()}
    order = [c for c in ("supplier", "invoice_number", "meter_id", "position", "line_no") if c in columns]
    query = sql.SQL("SELECT * FROM {} WHERE supplier = %s").format(sql.Identifier(table))
    params: list[Any] = [supplier]
    if numbers is not None:
        query += sql.SQL(" AND invoice_number = ANY(%s)")
        params.append(list(numbers))
    if statuses is not None and "status" in columns:
        query += sql.SQL(" AND status = ANY(%s)")
        params.append(list(statuses))
    query += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(map(sql.Identifier, order))
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchall()


def invoices_from_warehouse(conn: Any, supplier: str, invoice_numbers: Sequence[str] | None = None, *,
                            statuses: Sequence[str] | None = ("ok",)) -> list[dict[str, Any]]:
    """Invoice dicts (per the invoice contract) of `supplier` (optionally only these numbers).

    Only invoices whose extraction `status` is in `statuses` (default: `ok`; `needs_review` ones go
    once a person has reviewed them); None for every status.
    """
    invoices = {}
    for row in _select(conn, "invoice", supplier, invoice_numbers, statuses):
        totals = row.get("totals") or {}
        doc = {f: _plain(row.get(f, totals.get(f))) for f in INVOICE_FIELDS}
        doc["currency"] = doc["currency"] or "EUR"
        doc["sites"] = []
        invoices[row["invoice_number"]] = doc
    sites = {}
    for row in _select(conn, "invoice_site", supplier, invoice_numbers):
        if row["invoice_number"] in invoices:
            site = {f: _plain(row.get(f)) for f in SITE_FIELDS} | {"readings": [], "lines": []}
            invoices[row["invoice_number"]]["sites"].append(site)
            sites[(row["invoice_number"], row["meter_id"])] = site
    for table, fields, into in (("invoice_reading", READING_FIELDS, "readings"),
                                ("invoice_line", LINE_FIELDS, "lines")):
        for row in _select(conn, table, supplier, invoice_numbers):
            site = sites.get((row["invoice_number"], row["meter_id"]))
            if site is not None:
                site[into].append({f: _plain(row.get(f)) for f in fields})
    return list(invoices.values())
