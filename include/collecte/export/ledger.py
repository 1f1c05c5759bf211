"""The delivery ledger (`export_delivery`, `export_ack`): what was sent where, so nothing goes twice.

`plan` turns invoices into deliveries: an invoice version already delivered by this exporter is
skipped; one pending or failed (an outage, a crash) is retried under the same idempotency key; a
new content for a known invoice number becomes the next version, superseding the previous one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from collecte.export.versions import content_sha256, idempotency_key


@dataclass(frozen=True)
class Delivery:
    """One invoice version to deliver through one exporter."""

    exporter: str
    supplier: str
    invoice_number: str
    sha256: str
    version: int
    idempotency_key: str
    supersedes: str | None
    invoice: Mapping[str, Any]
    target_ref: str | None = None


def plan(conn: Any, exporter: str, invoices: Iterable[Mapping[str, Any]]) -> list[Delivery]:
    """Deliveries still to make for `invoices` (new versions are recorded as pending)."""
    from psycopg.rows import dict_row

    docs = list(invoices)
    if not docs:
        return []
    numbers = sorted({str(d["invoice_number"]) for d in docs})
    with conn.cursor(row_factory=dict_row) as cur:
        known = cur.execute(
            "SELECT supplier, invoice_number, content_sha256, version, idempotency_key, status, target_ref"
            " FROM export_delivery WHERE exporter = %s AND invoice_number = ANY(%s) ORDER BY version",
            (exporter, numbers)).fetchall()
    history: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in known:
        history.setdefault((row["supplier"], row["invoice_number"]), []).append(row)
    todo: list[Delivery] = []
    seen: set[tuple[str, str, str]] = set()
    with conn.transaction():
        for doc in docs:
            supplier, number, sha = str(doc["supplier"]), str(doc["invoice_number"]), content_sha256(doc)
            if (supplier, number, sha) in seen:
                continue
            seen.add((supplier, number, sha))
            versions = history.setdefault((supplier, number), [])
            same = next((v for v in versions if v["content_sha256"] == sha), None)
            previous = versions[-1]["idempotency_key"] if versions else None
            if same is not None:
                if same["status"] in ("pending", "failed"):
                    earlier = [v for v in versions if v["version"] < same["version"]]
                    todo.append(Delivery(exporter, supplier, number, sha, same["version"], same["idempotency_key"],
                                         earlier[-1]["idempotency_key"] if earlier else None, doc,
                                         same["target_ref"]))
                continue
            version = versions[-1]["version"] + 1 if versions else 1
            key = idempotency_key(exporter, supplier, number, version, sha)
            # an earlier version never delivered is not worth sending any more: this one replaces it
            conn.execute("UPDATE export_delivery SET status = 'superseded' WHERE exporter = %s AND supplier = %s"
                         " AND invoice_number = %s AND status IN ('pending', 'failed')", (exporter, supplier, number))
            todo = [t for t in todo if (t.supplier, t.invoice_number) != (supplier, number)]
            conn.execute(
                "INSERT INTO export_delivery (exporter, supplier, invoice_number, content_sha256, version,"
                " idempotency_key, status) VALUES (%s, %s, %s, %s, %s, %s, 'pending')",
                (exporter, supplier, number, sha, version, key))
            versions.append({"content_sha256": sha, "version": version, "idempotency_key": key,
                             "status": "pending", "target_ref": None})
            todo.append(Delivery(exporter, supplier, number, sha, version, key, previous, doc))
    return sorted(todo, key=lambda d: (d.supplier, d.invoice_number, d.version))


def set_target(conn: Any, deliveries: Iterable[Delivery], target_ref: str) -> None:
    """Record where a batch is about to be written (a file name), before writing it."""
    with conn.transaction():
        for d in deliveries:
            conn.execute("UPDATE export_delivery SET target_ref = %s WHERE idempotency_key = %s",
                         (target_ref, d.idempotency_key))


def delivered(conn: Any, delivery: Delivery, *, target_ref: str | None, attempts: int = 1,
              response: Mapping[str, Any] | None = None, replayed: bool = False) -> None:
    """Mark a delivery done and keep the receiver's acknowledgement."""
    from psycopg.types.json import Jsonb

    with conn.transaction():
        conn.execute(
            "UPDATE export_delivery SET status = 'delivered', delivered_at = now(), target_ref = %s,"
            " attempts = attempts + %s, last_error = NULL WHERE idempotency_key = %s",
            (target_ref, attempts, delivery.idempotency_key))
        conn.execute(
            "INSERT INTO export_ack (idempotency_key, exporter, target_ref, replayed, response)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (idempotency_key) DO UPDATE SET received_at = now(),"
            " target_ref = EXCLUDED.target_ref, replayed = EXCLUDED.replayed, response = EXCLUDED.response",
            (delivery.idempotency_key, delivery.exporter, target_ref, replayed, Jsonb(dict(response or {}))))


def failed(conn: Any, delivery: Delivery, *, error: str, attempts: int) -> None:
    """Mark a delivery failed (it is retried by the next run, under the same idempotency key)."""
    with conn.transaction():
        conn.execute(
            "UPDATE export_delivery SET status = 'failed', attempts = attempts + %s, last_error = %s"
            " WHERE idempotency_key = %s", (attempts, error[:2000], delivery.idempotency_key))


def undelivered(conn: Any, exporter: str) -> list[dict[str, Any]]:
    """Deliveries of an exporter not acknowledged yet (pending or failed)."""
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT * FROM export_delivery WHERE exporter = %s AND status <> 'delivered'"
                           " ORDER BY first_attempt_at", (exporter,)).fetchall()
