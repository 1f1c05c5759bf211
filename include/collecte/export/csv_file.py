"""CSV export with a configurable column mapping (e.g. accounting entries per site and cost centre).

Rows are one per invoice, site or line (`granularity`); each column is a constant or a field of the
invoice, site, line or delivery (version, idempotency key), optionally mapped through a lookup
table (meter -> cost centre) and formatted (dates, decimal comma).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from collecte.export.config import CsvColumn, CsvSftpExporterConfig
from collecte.export.ledger import Delivery


def _records(config: CsvSftpExporterConfig, delivery: Delivery) -> Iterator[dict[str, Mapping[str, Any]]]:
    invoice = delivery.invoice
    meta = {"version": delivery.version, "idempotency_key": delivery.idempotency_key,
            "supersedes": delivery.supersedes, "sha256": delivery.sha256}
    if config.granularity == "invoice":
        yield {"invoice": invoice, "delivery": meta}
        return
    for site in invoice.get("sites") or []:
        if config.granularity == "site":
            yield {"invoice": invoice, "site": site, "delivery": meta}
        else:
            for line in site.get("lines") or []:
                yield {"invoice": invoice, "site": site, "line": line, "delivery": meta}


def _format(value: Any, column: CsvColumn, config: CsvSftpExporterConfig) -> str:
    if column.lookup:
        value = config.lookups[column.lookup].get(str(value), column.default)
    if value is None:
        return column.default or ""
    if column.date_format and isinstance(value, str | date):
        return (date.fromisoformat(value[:10]) if isinstance(value, str) else value).strftime(column.date_format)
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if config.decimal_comma else text
    return str(value)


def csv_rows(config: CsvSftpExporterConfig, deliveries: Sequence[Delivery]) -> list[list[str]]:
    """Header then one row per invoice / site / line of every delivery."""
    rows = [[c.header for c in config.columns]]
    for delivery in deliveries:
        for record in _records(config, delivery):
            row = []
            for column in config.columns:
                if column.value is not None:
                    row.append(column.value)
                    continue
                scope, _, name = (column.field or "").partition(".")
                row.append(_format((record.get(scope) or {}).get(name), column, config))
            rows.append(row)
    return rows


def csv_bytes(config: CsvSftpExporterConfig, deliveries: Sequence[Delivery]) -> bytes:
    """The CSV file's bytes."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=config.delimiter, lineterminator="\r\n").writerows(csv_rows(config, deliveries))
    return buffer.getvalue().encode(config.encoding)


def file_name(config: CsvSftpExporterConfig, organization: str, deliveries: Sequence[Delivery]) -> str:
    """Deterministic name: the same set of deliveries (a retried run) gives the same file."""
    batch = hashlib.sha256("\n".join(sorted(d.idempotency_key for d in deliveries)).encode()).hexdigest()[:12]
    return config.file_name.format(organization=organization, exporter=config.name, batch=batch)
