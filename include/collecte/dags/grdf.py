"""Task and DAG builders of the GRDF roads: `collect_grdf`, and the GRDF branch of `import_meter_history`.

    select_pces -> collect_batch (mapped, pool `grdf`, queue api) -> load_batch (mapped, all_done)
                -> verify_complete (all_done)

`select_pces` asks the consent gate for each data kind; refused PCEs are recorded NO_CONSENT in
meter_status with the gate's reason. Each mapped `collect_batch` takes one batch of PCEs over the
run's window: it lists the batch's access rights in one call and lands in the raw zone what the
collection ledger says the window still owes (`collecte.sources.grdf.collect.collect_batch`: a
retry or a re-run resumes). A PCE whose GRDF access right is not Active is flagged, not retried; a
PCE that fails does not stop the others; the batch fails so that Airflow retries it (transient) or
not (a refused request). Each `load_batch`, whatever its collection did, parses, checks (Great
Expectations, BEFORE the load) and loads what its PCEs landed (`collecte.stages.metering.load_gas`).
The leaf `verify_complete`
fails the run naming what is missing and how to replay it. Each task calls ADICT at
`rate_per_second / pool_slots`, so the pool's tasks together stay under GRDF's limit.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from airflow.sdk import DAG, get_current_context

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.assets import dataset_asset
from collecte.dags.operator_run import operator_default_args, verify_complete
from collecte.dags.schedule import paris_timetable
from collecte.sources.grdf.config import GrdfConfig, load_grdf_config

DAG_ID = "collect_grdf"


def _plan(meters: list[Any], first: Any, last: Any, on: Any) -> list[dict[str, Any]]:
    import logging

    from collecte.dags.runtime import warehouse_url
    from collecte.metering.status import record_refused
    from collecte.sources.grdf.plan import plan_collection
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.grdf")
    config = load_grdf_config()
    with connect(warehouse_url(), autocommit=True) as conn:
        plan = plan_collection(conn, meters, on)
        for pce, reasons in plan.refused.items():
            for kind, reason in reasons.items():
                log.warning("consent gate: skipping GRDF %s %s: %s", pce, kind, reason)
        record_refused(conn, "grdf", plan.refused, run_id=get_current_context()["run_id"])
    batches = plan.batches(config.batch_size, first, last)
    log.info("GRDF %s..%s: %d PCE(s) in %d batch(es), %d refused by the gate", first, last, len(plan.allowed),
             len(batches), len(plan.refused))
    return batches


@task
def select_pces() -> list[dict[str, Any]]:
    """Batches of PCEs (with their allowed kinds) the gate lets this run collect, over the run's days."""
    from collecte.dags.interval import run_interval

    interval = run_interval(get_current_context())
    return _plan(load_grdf_config().meters, interval.first_day, interval.last_day, interval.last_day)


@task
def select_gas_history() -> list[dict[str, Any]]:
    """Batches of PCEs for a GRDF history import: the Params' meters and kinds over the Params' days."""
    from collecte.dags.interval import PARIS, run_interval

    context = get_current_context()
    params = context["params"]
    if params.get("operator") != "grdf":
        return []
    config = load_grdf_config()
    wanted = set(params.get("meters") or [m.id for m in config.meters])
    kinds = set(params.get("kinds") or [])
    meters = []
    for meter in config.meters:
        chosen = [k for k in meter.kinds if not kinds or k in kinds]
        if meter.id in wanted and chosen:
            meters.append(meter.model_copy(update={"kinds": tuple(chosen)}))
    interval = run_interval(context)
    return _plan(meters, interval.first_day, interval.last_day, datetime.now(PARIS).date())


@task(map_index_template="{{ pce_batch }}")
def collect_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """One batch: land what its window still owes (a retry asks only what is missing); fail while faults remain."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.grdf import AdictClient
    from collecte.sources.grdf.collect import collect_batch as run_batch
    from collecte.sources.grdf.errors import AdictError
    from collecte.warehouse.db import connect

    context = get_current_context()
    context["pce_batch"] = batch["label"]
    config = load_grdf_config()
    # a daily run re-reads published data from the first of M-n; a history import asks exactly its span
    lookback = config.published_lookback_months if context["dag"].dag_id == DAG_ID else None
    with connect(warehouse_url(), autocommit=True) as conn:
        try:
            with AdictClient.from_connection(config.conn_id, rate_per_second=config.task_rate) as client:
                collected = run_batch(client, raw_zone(), conn, batch, published_lookback_months=lookback,
                                      run_id=context["run_id"])
        except AdictError as exc:
            if exc.retryable:
                raise
            raise AirflowFailException(f"GRDF {batch['label']}: {exc}") from exc
    if collected["fatal"]:
        # wrong credentials, a rejected request: retrying cannot fix it
        raise AirflowFailException(f"GRDF {batch['label']}: not retryable: {collected['fatal']}")
    if collected["failed"]:
        raise RuntimeError(f"GRDF {batch['label']}: transient failures persisted for {sorted(collected['failed'])}; "
                           "what landed is loaded, a retry asks only what is still missing")
    return {"label": batch["label"], "resumed": collected["resumed"],
            "pces": {s["pce"]: {"status": s["status"], "reason": s["reason"], "raw_created": s["raw_created"]}
                     for s in collected["summaries"]}}


@task(map_index_template="{{ pce_batch }}", trigger_rule="all_done")
def load_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """Parse -> check (GX, before the load) -> load what the batch's PCEs landed and is not loaded yet.

    `all_done`: runs whatever the collection did, so what landed is loaded and no batch waits on
    another's success.
    """
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.metering.ledger import pending_refs
    from collecte.stages.metering import load_operator
    from collecte.warehouse.db import connect

    context = get_current_context()
    context["pce_batch"] = batch["label"]
    with connect(warehouse_url(), autocommit=True) as conn:
        refs = pending_refs(conn, "grdf", [m["id"] for m in batch["meters"]])
        return load_operator(raw_zone(), conn, "grdf", refs, run_id=context["run_id"]).as_dict()


def build_collect_grdf(config: GrdfConfig | None = None, doc_md: str | None = None) -> DAG:
    """The `collect_grdf` DAG from include/config/operators/grdf.yaml."""
    from collecte.dags.factory import manual_params
    from collecte.dags.interval import PARIS

    config = config or load_grdf_config()
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id=DAG_ID,
        description="GRDF ADICT: published and informative gas consumption, contract and technical data",
        doc_md=doc_md or __doc__,
        schedule=paris_timetable(config.schedule),
        start_date=datetime.combine(config.start_date, time(0), PARIS),
        catchup=False,
        max_active_runs=1,
        default_args=operator_default_args(config.execution_timeout_minutes),
        params=manual_params(),
        tags=["collecte", "operator", "grdf", "gas"],
    ) as dag:
        batches = select_pces()
        collected = collect_batch.override(pool=config.pool, queue=config.queue).expand(batch=batches)
        loaded = load_batch.override(queue="default", outlets=[dataset_asset("gas_consumption")]).expand(batch=batches)
        # all_done, both: every batch loads what it landed, and the run fails when anything is missing
        collected >> loaded >> verify_complete.override(task_id="verify_complete", queue="default")(
            batches, operator="grdf")
    return dag


__all__ = ["build_collect_grdf", "collect_batch", "load_batch", "select_gas_history", "select_pces"]
