"""Delivery DAGs scheduled on the warehouse Assets: exports and the cross-source check.

Collection DAGs end at the load: each load task updates its dataset's Asset (`warehouse.<table>`),
with the supplier in the event's extra. These DAGs run when those Assets change, whoever changed
them (a collection run, a backfill, a replay of quarantined records by `reprocess_quarantine`):

    export_invoices       on warehouse.invoice: every configured ERP, file and database target,
                          one mapped task per supplier whose invoices changed; an ERP outage fails
                          this DAG (retried with backoff), never a collection run
    crosscheck_invoices   on warehouse.invoice, daily_energy or gas_consumption: invoice kWh
                          against metered kWh (table `discrepancy`)

A manual run takes Params *Suppliers* (empty: every configured supplier).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Param, get_current_context

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.assets import dataset_asset
from collecte.dags.runtime import default_args

log = logging.getLogger("collecte.delivery")
EXPORT_DAG_ID = "export_invoices"
CROSSCHECK_DAG_ID = "crosscheck_invoices"


def suppliers_of_events(triggering: Any, params: dict[str, Any], known: list[str]) -> list[str]:
    """Suppliers to deliver: Params first, else the `supplier` extras of the triggering Asset events,
    else (an event without one, e.g. metering, or a bare manual run) every known supplier."""
    chosen = [s for s in params.get("suppliers") or [] if s]
    if chosen:
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise ValueError(f"Params: unknown supplier(s) {unknown}; known: {known}")
        return sorted(set(chosen))
    found: set[str] = set()
    for events in (triggering or {}).values():
        for event in events:
            supplier = (getattr(event, "extra", None) or {}).get("supplier")
            if supplier is None:
                return sorted(known)
            found.add(str(supplier))
    return sorted(found & set(known)) if found else sorted(known)


def _map_index_name(name: str, value: str) -> None:
    """Give the mapped task its readable name in the grid (`map_index_template`); no-op outside a run."""
    with contextlib.suppress(RuntimeError):
        get_current_context()[name] = value  # type: ignore[literal-required]


@task
def changed_suppliers() -> list[str]:
    """The suppliers whose data this run delivers."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.config import load_suppliers

    context = get_current_context()
    try:
        return suppliers_of_events(context.get("triggering_asset_events"), dict(context.get("params") or {}),
                                   [s.code for s in load_suppliers()])
    except ValueError as exc:
        raise AirflowFailException(str(exc)) from None


@task(map_index_template="{{ supplier_code }}")
def export_supplier(supplier_code: str) -> dict[str, Any]:
    """Deliver one supplier's invoices to every configured target; fail (and retry) on a failed delivery."""
    from airflow.sdk.exceptions import AirflowException

    from collecte.config.loader import load_suppliers
    from collecte.dags.runtime import warehouse_url
    from collecte.export.config import exports_for_supplier
    from collecte.export.from_warehouse import invoices_from_warehouse
    from collecte.export.runner import airflow_connectors, run_exports
    from collecte.warehouse.db import connect

    _map_index_name("supplier_code", supplier_code)
    supplier = next((s for s in load_suppliers() if s.code == supplier_code), None)
    only = set(supplier.exports) if supplier is not None and supplier.exports else None
    configs = exports_for_supplier(supplier_code)
    summary: dict[str, Any] = {"supplier": supplier_code, "organizations": len(configs), "delivered": 0,
                               "failed": 0, "exporters": {}}
    if not configs:
        log.info("no organization exports %s invoices (include/config/exports/)", supplier_code)
        return summary
    with connect(warehouse_url(), autocommit=True) as conn:
        invoices = invoices_from_warehouse(conn, supplier_code)
        connectors = airflow_connectors()
        for config in configs:
            report = run_exports(conn, config, invoices, connectors, only=only)
            for item in report.exporters:
                log.info("export %s", item.summary())
                summary["exporters"][item.exporter] = {"planned": item.planned, "delivered": item.delivered,
                                                       "failed": item.failed}
                summary["delivered"] += item.delivered
                summary["failed"] += item.failed
    if summary["failed"]:
        # recorded in export_delivery; the retry (exponential backoff) sends them under the same keys
        raise AirflowException(f"{supplier_code}: {summary['failed']} invoice deliveries failed: {summary['exporters']}")
    return summary


@task(map_index_template="{{ supplier_code }}")
def crosscheck_supplier(supplier_code: str) -> dict[str, int]:
    """Compare one supplier's invoice kWh with operator metering (table `discrepancy`)."""
    from collecte.dags.runtime import warehouse_url
    from collecte.quality.crosscheck import crosscheck
    from collecte.warehouse.db import connect

    _map_index_name("supplier_code", supplier_code)
    with connect(warehouse_url(), autocommit=True) as conn:
        report = crosscheck(conn, supplier=supplier_code)
    log.info(report.summary())
    if report.counts.get("mismatch"):
        log.warning("%d invoice site(s) bill a different energy than the operator metered: see table discrepancy",
                    report.counts["mismatch"])
    return report.counts


def _params() -> dict[str, Param]:
    return {"suppliers": Param([], type="array", items={"type": "string"}, title="Suppliers",
                               description="Manual runs: only these supplier codes; empty: every supplier")}


def _delivery_dag(dag_id: str, description: str, schedule: Any, tag: str, per_supplier: Any,
                  doc_md: str | None) -> DAG:
    """A delivery DAG: on `schedule` (Assets), `per_supplier` mapped over the suppliers whose data changed."""
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        params=_params(),
        tags=["collecte", "delivery", tag],
        doc_md=doc_md or __doc__,
    ) as dag:
        per_supplier.expand(supplier_code=changed_suppliers())
    return dag


def build_export_dag(doc_md: str | None = None) -> DAG:
    """`export_invoices`: scheduled on the invoice Asset."""
    return _delivery_dag(EXPORT_DAG_ID, "Deliver loaded invoices to the ERP, files and databases (on warehouse.invoice)",
                         dataset_asset("invoice"), "export", export_supplier, doc_md)


def build_crosscheck_dag(doc_md: str | None = None) -> DAG:
    """`crosscheck_invoices`: scheduled on invoices or operator metering."""
    return _delivery_dag(CROSSCHECK_DAG_ID,
                         "Invoice kWh against metered kWh (on warehouse.invoice, daily_energy, gas_consumption)",
                         dataset_asset("invoice") | dataset_asset("daily_energy") | dataset_asset("gas_consumption"),
                         "quality", crosscheck_supplier, doc_md)
