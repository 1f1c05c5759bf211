"""Builds one `collect_<code>` DAG per supplier config file.

Road builders (collecte.dags.roads.<type>.build_road) add the tasks that bring files into the
raw zone; the factory adds the common stages after them: consumption files are parsed, checked
and loaded; invoice PDFs are extracted in mapped batches, checked and loaded. The loads update
their dataset's Asset (the supplier in the event's extra); delivery DAGs are scheduled on them.
Nothing here touches a connection, a variable or the network: that happens inside tasks.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from airflow.sdk import DAG, Param, TaskGroup, XComArg

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.config.models import SupplierConfig
from collecte.dags.assets import dataset_asset
from collecte.dags.quality import report_quarantine
from collecte.dags.runtime import default_args
from collecte.dags.schedule import paris_timetable

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
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id=f"collect_{supplier.code}",
        description=f"Collect {supplier.name}: {', '.join(sorted(set(road_types)))}",
        doc_md=_doc(supplier),
        schedule=paris_timetable(supplier.schedule),
        start_date=_aware(supplier.start_date),
        catchup=supplier.catchup,
        max_active_runs=1,
        # every task gets a time limit: the stages' here, each road's on its task group below
        default_args=default_args(owner=supplier.owner,
                                  execution_timeout=timedelta(minutes=supplier.stage_timeout_minutes)),
        params=manual_params(),
        tags=sorted({"collecte", "supplier", supplier.energy, *road_types, *supplier.tags}),
    ) as dag:
        landed: list[XComArg] = []
        for index, road in enumerate(supplier.roads):
            group_id = road.type if road_types.count(road.type) == 1 else f"{road.type}_{index}"
            with TaskGroup(group_id=group_id, default_args={"execution_timeout": road.execution_timeout}):
                landed.append(_road_builder(road.type)(supplier, road))
        checked = []
        if supplier.consumption_csv is not None:
            checked.append(load_consumption.override(outlets=[dataset_asset("supplier_consumption")])(
                supplier.code, landed))
        invoices = extract_invoices.override(outlets=[dataset_asset("invoice")]).partial(
            supplier_code=supplier.code).expand(raw_keys=batch_invoice_pdfs(landed))
        checked.append(invoices)
        # collection ends at the load: exports and cross-checks are DAGs scheduled on the Assets
        # these loads update (collecte.dags.delivery), so an ERP outage never fails collection
        report_quarantine(*checked)
    return dag


def announce_load(dataset: str, supplier_code: str) -> None:
    """Put the supplier in the extra of the dataset Asset's event (the delivery DAGs read it)."""
    from airflow.sdk import get_current_context

    get_current_context()["outlet_events"][dataset_asset(dataset)].extra = {"supplier": supplier_code}


def keys_of_kind(landed: list[list[dict[str, Any]] | None], kind: str) -> list[str]:
    """Raw keys of one kind among what every road landed (each road returns a list of refs)."""
    keys: list[str] = []
    for road_output in landed:
        keys.extend(ref["key"] for ref in road_output or [] if ref["kind"] == kind)
    return sorted(set(keys))


# all_done: one road failing or finding nothing (a skipped sensor) must not hold back what the
# other roads landed.
@task(trigger_rule="all_done")
def batch_invoice_pdfs(landed: list[list[dict[str, Any]]]) -> list[list[str]]:
    """The invoice PDFs landed by this run, in batches: one mapped extraction task per batch."""
    pdfs = keys_of_kind(landed, "invoice_pdf")
    return [pdfs[i:i + INVOICE_BATCH] for i in range(0, len(pdfs), INVOICE_BATCH)]


@task(trigger_rule="all_done")
def load_consumption(supplier_code: str, landed: list[list[dict[str, Any]]],
                     run_id: str | None = None) -> list[dict[str, Any]]:
    """Parse, check (Great Expectations) and upsert every consumption file landed by this run."""
    import logging

    from collecte.config import load_suppliers
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.stages.consumption import gx_check, load_consumption_file, reject_file
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.consumption")
    supplier = next(s for s in load_suppliers() if s.code == supplier_code)
    zone = raw_zone()
    summaries = []
    with connect(warehouse_url()) as conn:
        for key in keys_of_kind(landed, "consumption_csv"):
            check = gx_check(zone, conn, source=supplier_code, raw_key=key, run_id=run_id)
            try:
                summary = load_consumption_file(zone, conn, supplier, key, check=check)
            except Exception as exc:  # one bad file is quarantined; the others go on
                summary = reject_file(zone, conn, key, f"{type(exc).__name__}: {exc}")
            summaries.append(summary.as_dict())
    announce_load("supplier_consumption", supplier_code)
    quarantined = sum(s["quarantined"] for s in summaries)
    rejected = [s["raw_key"] for s in summaries if s["file_rejected"]]
    log.info("%d file(s): %d row(s) loaded, %d changed", len(summaries), sum(s["loaded"] for s in summaries),
             sum(s["changed"] for s in summaries))
    if quarantined or rejected:
        log.warning("QUARANTINE: %d record(s) and %d whole file(s) quarantined: see quarantine_record",
                    quarantined, len(rejected))
    return summaries


@task(map_index_template="{{ 'batch of ' ~ (raw_keys | length) ~ ' invoice(s)' }}")
def extract_invoices(supplier_code: str, raw_keys: list[str]) -> dict[str, Any]:
    """Dematerialize one batch of invoice PDFs: extract, check, stage JSON + visual copy, load."""
    import logging

    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.stages.invoices import process_invoice_batch
    from collecte.warehouse.db import connect

    with connect(warehouse_url()) as conn:
        summary = process_invoice_batch(raw_zone(), conn, supplier_code, raw_keys)
    announce_load("invoice", supplier_code)
    logging.getLogger("collecte.invoices").info(
        "%d invoice(s) extracted, %d loaded (%d rows changed), %d quarantined", summary.extracted,
        summary.loaded, summary.changed_rows, len(summary.quarantined))
    return {**summary.as_dict(), "dataset": "invoice", "failed": len(summary.quarantined)}


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
