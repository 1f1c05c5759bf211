"""Where layout drift is kept: one row per raw invoice whose layout departed from its template's
fingerprint (table ``invoice_layout_change``, migration 0110), and the per-supplier summary the
account status page shows (view ``invoice_layout_status``)."""

from __future__ import annotations

import re
from typing import Any

from collecte.invoices.result import ExtractionResult

_ACCOUNT = re.compile(r"(?:^|/)account=([^/]+)/")


def account_of(raw_key: str) -> str | None:
    """The account segment of a raw-zone key (``.../account=<id>/...``), or None."""
    m = _ACCOUNT.search(raw_key)
    return m.group(1) if m else None


def record_layout_change(conn: Any, supplier: str, raw_key: str, result: ExtractionResult) -> bool:
    """Upsert what changed in this invoice's layout (nothing when its layout did not depart).

    Returns whether a row was written. A rerun of the same raw invoice replaces its row.
    """
    if not result.layout_changes:
        return False
    from psycopg.types.json import Jsonb

    number = (result.invoice or {}).get("invoice_number")
    conn.execute(
        "INSERT INTO invoice_layout_change (supplier, raw_key, account_id, invoice_number, status, changes)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (supplier, raw_key) DO UPDATE SET account_id = EXCLUDED.account_id,"
        " invoice_number = EXCLUDED.invoice_number, status = EXCLUDED.status, changes = EXCLUDED.changes,"
        " detected_at = now()"
        " WHERE (invoice_layout_change.status, invoice_layout_change.changes)"
        "   IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.changes)",
        (supplier, raw_key, account_of(raw_key), number, result.status, Jsonb(result.layout_changes)),
    )
    return True


def layout_status(conn: Any) -> list[dict[str, Any]]:
    """Per supplier: invoices not read because the layout changed, when a change was last seen, what changed."""
    rows = conn.execute(
        "SELECT supplier, unread_invoices, last_seen, latest_changes, departed_invoices"
        " FROM invoice_layout_status ORDER BY supplier"
    ).fetchall()
    keys = ("supplier", "unread_invoices", "last_seen", "latest_changes", "departed_invoices")
    return [dict(zip(keys, row, strict=True)) for row in rows]
