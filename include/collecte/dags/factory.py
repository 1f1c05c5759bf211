"""Builds one `collect_<code>` DAG per supplier config file.

Road builders (collecte.dags.roads.<type>.build_road) add the tasks that bring files into the
raw zone; the factory adds the common stages after them: consumption files are parsed, checked
and loaded; invoice PDFs are extracted in mapped batches, checked and loaded; then exports.
Nothing here touches a connection, a variable or the network: that happens inside tasks.
"""

from __future__ import annotations

import importlib
from typing import Any

from airflow.sdk import DAG, Param, TaskGroup, XComArg, task

from collecte.config.models import SupplierConfig
from collecte.dags.assets import dataset_asset
from collecte.dags.runtime import default_args

INVOICE_BATCH = 20


def manual_params() -> dict[str, Param]:
    """The Params form of a manual run: the days to collect (inclusive), empty for the run's interval."""
    return {
        "from": Param(None, type=["null", "string"], format="date", title="From (day, inclusive)",
                      description="Manual runs: first Paris day to collect. Empty: the run's data interval."),
        "to": Param(None, type=["null", "string"], format="date", title="To (day, inclusive)",
                    description="Manual runs: last Paris day to collect."),
    }


def _road_builder(road_type: str) -> Any:
    return importlib.import_module(f"collecte.dags.roads.{road_type}").build_road


def build_supplier_dag(supplier: SupplierConfig) -> DAG:
    """The `collect_<code>` DAG of one supplier."""
    road_types = [r.type for r in supplier.roads]
    with DAG(
        dag_id=f"collect_{supplier.code}",
        description=f"Collect {supplier.name}: {', '.join(sorted(set(road_types)))}",
        doc_md=_doc(supplier),
        schedule=supplier.schedule,
        start_date=_aware(supplier.start_date),
        catchup=supplier.catchup,
        max_active_runs=1,
        default_args=default_args(owner=supplier.owner),
        params=manual_params(),
        tags=sorted({"collecte", "supplier", supplier.energy, *road_types, *supplier.tags}),
    ) as dag:
        landed: list[XComArg] = []
        for index, road in enumerate(supplier.roads):
            group_id = road.type if road_types.count(road.type) == 1 else f"{road.type}_{index}"
            with TaskGroup(group_id=group_id):
                landed.append(_road_builder(road.type)(supplier, road))
        routed = route_landed(landed)
        if supplier.consumption_csv is not None:
            load_consumption.override(outlets=[dataset_asset("supplier_consumption")])(
                supplier.code, routed["consumption_csv"])
    return dag


@task(multiple_outputs=True)
def route_landed(landed: list[list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """Sort the raw objects landed by every road by kind; invoice PDFs in batches for mapping."""
    by_kind: dict[str, list[dict[str, Any]]] = {"invoice_pdf": [], "consumption_csv": []}
    for road_output in landed:
        for ref in road_output or []:
            by_kind.setdefault(ref["kind"], []).append(ref)
    pdfs = [ref["key"] for ref in by_kind["invoice_pdf"]]
    return {
        "consumption_csv": [ref["key"] for ref in by_kind["consumption_csv"]],
        "invoice_batches": [pdfs[i:i + INVOICE_BATCH] for i in range(0, len(pdfs), INVOICE_BATCH)],
    }


@task
def load_consumption(supplier_code: str, raw_keys: list[str]) -> dict[str, Any]:
    """Parse, check and upsert every consumption file landed by this run."""
    import logging

    from collecte.config import load_suppliers
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.stages.consumption import load_consumption_file
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.consumption")
    supplier = next(s for s in load_suppliers() if s.code == supplier_code)
    zone = raw_zone()
    summaries = []
    with connect(warehouse_url()) as conn:
        for key in raw_keys:
            summaries.append(load_consumption_file(zone, conn, supplier, key).as_dict())
    quarantined = sum(s["quarantined"] for s in summaries)
    rejected = [s["raw_key"] for s in summaries if s["file_rejected"]]
    if quarantined or rejected:
        log.warning("QUARANTINE: %d record(s) and %d whole file(s) quarantined: see quarantine_record",
                    quarantined, len(rejected))
    return {"files": len(summaries), "loaded": sum(s["loaded"] for s in summaries),
            "changed": sum(s["changed"] for s in summaries), "quarantined": quarantined,
            "rejected_files": rejected}


def _aware(day: Any) -> Any:
    from datetime import datetime, time

    from collecte.dags.interval import PARIS

    return datetime.combine(day, time(0), PARIS)


def _doc(supplier: SupplierConfig) -> str:
    roads = "\n".join(f"- **{r.type}** via connection `{r.conn_id}`" + (f", pool `{r.pool}`" if r.pool else "")
                      for r in supplier.roads)
    return (f"### Collect {supplier.name} (`{supplier.code}`, {supplier.energy})\n\n"
            f"Generated from `include/config/suppliers/{supplier.code}.yaml`.\n\n{roads}\n\n"
            "Manual runs: fill *From*/*To* to collect a span of days; backfills use each run's data interval.")
