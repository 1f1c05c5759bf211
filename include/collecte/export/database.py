"""Export invoice versions to another database through SQLAlchemy (any dialect it supports).

Two tables are created on first use in the target: `<prefix>invoice` (one row per invoice version,
keyed by its idempotency key, with the full JSON) and `<prefix>invoice_site`. Rows already present
are not written again, so a retried run after a crash inserts nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from collecte.export.ledger import Delivery
from collecte.export.versions import canonical_json


def target_tables(prefix: str, schema: str | None = None) -> tuple[Any, Any, Any]:
    """(metadata, invoice table, site table) of the target database."""
    import sqlalchemy as sa

    metadata = sa.MetaData(schema=schema)
    invoice = sa.Table(
        f"{prefix}invoice", metadata,
        sa.Column("idempotency_key", sa.String(400), primary_key=True),
        sa.Column("supplier", sa.String(100), nullable=False),
        sa.Column("invoice_number", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("supersedes", sa.String(400)),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("document_type", sa.String(20)),
        sa.Column("invoice_date", sa.Date),
        sa.Column("due_date", sa.Date),
        sa.Column("customer_account", sa.String(100)),
        sa.Column("customer_name", sa.String(300)),
        sa.Column("energy", sa.String(20)),
        sa.Column("total_excl_tax", sa.Numeric(14, 2)),
        sa.Column("total_vat", sa.Numeric(14, 2)),
        sa.Column("total_incl_tax", sa.Numeric(14, 2)),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("supplier", "invoice_number", "version"),
    )
    site = sa.Table(
        f"{prefix}invoice_site", metadata,
        sa.Column("idempotency_key", sa.String(400), primary_key=True),
        sa.Column("meter_id", sa.String(20), primary_key=True),
        sa.Column("site_name", sa.String(300)),
        sa.Column("period_start", sa.Date),
        sa.Column("period_end", sa.Date),
        sa.Column("tariff_option", sa.String(20)),
        sa.Column("subscribed_power_kva", sa.Numeric(10, 2)),
        sa.Column("consumption_kwh", sa.Numeric(16, 3)),
        sa.Column("total_excl_tax", sa.Numeric(14, 2)),
    )
    return metadata, invoice, site


def _day(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def write_versions(engine: Any, deliveries: Sequence[Delivery], *, prefix: str = "collecte_",
                   schema: str | None = None) -> dict[str, str]:
    """Insert the versions the target lacks; return idempotency key -> target reference (table:key)."""
    import sqlalchemy as sa

    metadata, invoice_table, site_table = target_tables(prefix, schema)
    metadata.create_all(engine, checkfirst=True)
    keys = [d.idempotency_key for d in deliveries]
    now = datetime.now(UTC)
    with engine.begin() as db:
        present = set(db.execute(sa.select(invoice_table.c.idempotency_key)
                                 .where(invoice_table.c.idempotency_key.in_(keys))).scalars())
        for d in deliveries:
            if d.idempotency_key in present:
                continue
            doc = d.invoice
            db.execute(invoice_table.insert().values(
                idempotency_key=d.idempotency_key, supplier=d.supplier, invoice_number=d.invoice_number,
                version=d.version, supersedes=d.supersedes, content_sha256=d.sha256,
                document_type=doc.get("document_type"), invoice_date=_day(doc.get("invoice_date")),
                due_date=_day(doc.get("due_date")), customer_account=doc.get("customer_account"),
                customer_name=doc.get("customer_name"), energy=doc.get("energy"),
                total_excl_tax=doc.get("total_excl_tax"), total_vat=doc.get("total_vat"),
                total_incl_tax=doc.get("total_incl_tax"), document=canonical_json(doc).decode(), exported_at=now))
            sites = [{"idempotency_key": d.idempotency_key, "meter_id": s.get("meter_id"),
                      "site_name": s.get("site_name"), "period_start": _day(s.get("period_start")),
                      "period_end": _day(s.get("period_end")), "tariff_option": s.get("tariff_option"),
                      "subscribed_power_kva": s.get("subscribed_power_kva"),
                      "consumption_kwh": s.get("consumption_kwh"), "total_excl_tax": s.get("total_excl_tax")}
                     for s in doc.get("sites") or []]
            if sites:
                db.execute(site_table.insert(), sites)
    return {k: f"{invoice_table.name}:{k}" for k in keys}


def engine_from_connection(conn_id: str) -> Any:
    """SQLAlchemy engine of an Airflow connection (its provider hook builds the URL; inside a task)."""
    from airflow.sdk import BaseHook

    return BaseHook.get_connection(conn_id).get_hook().get_sqlalchemy_engine()
