"""Run an organization's exporters over a set of invoices; every delivery goes through the ledger.

Connections are resolved through `Connectors` (Airflow connections inside tasks, or objects given by
tests), so the same code runs in a task, a script or a test.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from collecte.export import ledger
from collecte.export.config import (
    CsvSftpExporterConfig,
    DatabaseExporterConfig,
    ExportConfig,
    RestExporterConfig,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connectors:
    """How exporters reach their targets, by connection id."""

    rest_target: Callable[[RestExporterConfig], Any]
    sftp_session: Callable[[str], contextlib.AbstractContextManager[Any]]
    engine: Callable[[str], Any]
    sleep: Callable[[float], None] = time.sleep


def airflow_connectors() -> Connectors:
    """Connectors backed by Airflow connections (call inside a task)."""
    from collecte.export.database import engine_from_connection
    from collecte.export.rest import rest_target_from_connection
    from collecte.export.sftp_outbox import sftp_from_connection

    def rest_target(config: RestExporterConfig) -> Any:
        return rest_target_from_connection(
            config.conn_id, path=config.path, timeout_seconds=config.timeout_seconds,
            max_attempts=config.max_attempts, backoff_seconds=config.backoff_seconds,
            max_backoff_seconds=config.max_backoff_seconds)

    return Connectors(rest_target=rest_target, sftp_session=sftp_from_connection, engine=engine_from_connection)


@dataclass
class ExporterReport:
    """What one exporter did in this run."""

    exporter: str
    planned: int = 0
    delivered: int = 0
    replayed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the task log."""
        text = (f"{self.exporter}: {self.planned} to send, {self.delivered} delivered "
                f"({self.replayed} already held by the receiver), {self.failed} failed")
        return text + (f" - {self.errors[0]}" if self.errors else "")


@dataclass
class ExportReport:
    """Every exporter's report for one organization."""

    organization: str
    exporters: list[ExporterReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed."""
        return not any(r.failed for r in self.exporters)


def _rest(conn: Any, exporter_id: str, config: RestExporterConfig, deliveries: list[ledger.Delivery],
          connectors: Connectors, report: ExporterReport) -> None:
    from collecte.export.rest import (
        DeliveryRejected,
        ReceiverForbidden,
        ReceiverUnavailable,
        erp_client,
        push,
    )

    target = connectors.rest_target(config)
    with erp_client(target, sleep=connectors.sleep) as client:
        for position, delivery in enumerate(deliveries):
            try:
                ack = push(client, target, delivery)
            except DeliveryRejected as exc:
                ledger.failed(conn, delivery, error=str(exc), attempts=1)
                report.failed += 1
                report.errors.append(f"{delivery.invoice_number}: {exc}")
                continue
            except (ReceiverUnavailable, ReceiverForbidden) as exc:
                ledger.failed(conn, delivery, error=str(exc), attempts=target.max_attempts)
                report.failed += len(deliveries) - position
                report.errors.append(f"{exc}; {len(deliveries) - position} deliveries left for the next run")
                return
            ledger.delivered(conn, delivery, target_ref=ack.target_ref, attempts=ack.attempts,
                             response=ack.response, replayed=ack.replayed)
            report.delivered += 1
            report.replayed += int(ack.replayed)


def _csv(conn: Any, organization: str, config: CsvSftpExporterConfig, deliveries: list[ledger.Delivery],
         connectors: Connectors, report: ExporterReport) -> None:
    import posixpath

    from collecte.export.csv_file import csv_bytes, file_name
    from collecte.export.sftp_outbox import exists, put_atomic

    with connectors.sftp_session(config.conn_id) as sftp:
        # a previous run may have written its file and stopped before recording it: check, do not resend
        fresh = []
        for d in deliveries:
            if d.target_ref and exists(sftp, d.target_ref):
                ledger.delivered(conn, d, target_ref=d.target_ref, response={"file": d.target_ref}, replayed=True)
                report.delivered += 1
                report.replayed += 1
            else:
                fresh.append(d)
        if not fresh:
            return
        name = file_name(config, organization, fresh)
        path = posixpath.join(config.remote_dir, name)
        ledger.set_target(conn, fresh, path)
        put_atomic(sftp, config.remote_dir, name, csv_bytes(config, fresh))
    for d in fresh:
        ledger.delivered(conn, d, target_ref=path, response={"file": path})
        report.delivered += 1


def _database(conn: Any, config: DatabaseExporterConfig, deliveries: list[ledger.Delivery],
              connectors: Connectors, report: ExporterReport) -> None:
    from collecte.export.database import write_versions

    refs = write_versions(connectors.engine(config.conn_id), deliveries, prefix=config.table_prefix,
                          schema=config.schema_name)
    for d in deliveries:
        ledger.delivered(conn, d, target_ref=refs[d.idempotency_key], response={"row": refs[d.idempotency_key]})
        report.delivered += 1


def run_exports(conn: Any, config: ExportConfig, invoices: Iterable[Mapping[str, Any]],
                connectors: Connectors, *, only: Collection[str] | None = None) -> ExportReport:
    """Deliver the organization's invoices through its exporters (`only`: these names); failures are
    recorded in the ledger and the report, not raised."""
    selected = [doc for doc in invoices if config.select.matches(doc)]
    report = ExportReport(config.organization)
    for exporter in config.exporters:
        if only is not None and exporter.name not in only:
            continue
        exporter_id = config.exporter_id(exporter)
        item = ExporterReport(exporter_id)
        report.exporters.append(item)
        deliveries = ledger.plan(conn, exporter_id, selected)
        item.planned = len(deliveries)
        if not deliveries:
            continue
        try:
            if isinstance(exporter, RestExporterConfig):
                _rest(conn, exporter_id, exporter, deliveries, connectors, item)
            elif isinstance(exporter, CsvSftpExporterConfig):
                _csv(conn, config.organization, exporter, deliveries, connectors, item)
            else:
                _database(conn, exporter, deliveries, connectors, item)
        except Exception as exc:  # one exporter failing must not stop the others; the run reports it
            log.exception("exporter %s failed", exporter_id)
            for d in deliveries:
                with contextlib.suppress(Exception):
                    if not _is_delivered(conn, d):
                        ledger.failed(conn, d, error=f"{type(exc).__name__}: {exc}", attempts=1)
                        item.failed += 1
            item.errors.append(f"{type(exc).__name__}: {exc}")
        log.info("export %s", item.summary())
    return report


def _is_delivered(conn: Any, delivery: ledger.Delivery) -> bool:
    row = conn.execute("SELECT status FROM export_delivery WHERE idempotency_key = %s",
                       (delivery.idempotency_key,)).fetchone()
    return bool(row and row[0] == "delivered")

