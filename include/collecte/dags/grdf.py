"""The `collect_grdf` DAG: daily gas data from GRDF ADICT for the PCEs the consent gate allows.

    select_pces  ->  collect_batch (mapped, pool `grdf`)  ->  check_gas  ->  report

`select_pces` asks the consent gate for each data kind; refused PCEs are recorded NO_CONSENT in
meter_status with the gate's reason. `collect_batch` lists the batch's access rights in one call,
then collects each PCE (`collecte.sources.grdf.collect_pce`): a PCE whose GRDF access right is not
Active is flagged, not retried; a transient failure of one PCE does not stop the others, and fails
the task at the end so that Airflow retries it (reruns land nothing twice). `check_gas` runs the
Great Expectations suite of `gas_consumption` over the Parquet staged by this run and keeps the
results (validation_result, HTML report); collect_pce applied the same rules, stricter, before
loading, so a failure there means a bug and fails the task. Each task calls ADICT at
`rate_per_second / pool_slots`, so the pool's tasks together stay under GRDF's limit.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from airflow.sdk import DAG, get_current_context, task

from collecte.airflow.callbacks import run_callbacks
from collecte.dags.assets import dataset_asset
from collecte.dags.runtime import default_args
from collecte.dags.schedule import paris_timetable
from collecte.sources.grdf.config import GrdfConfig, load_grdf_config

DAG_ID = "collect_grdf"


@task
def select_pces() -> list[dict[str, Any]]:
    """Batches of PCEs (with their allowed kinds) the gate lets this run collect."""
    import logging

    from collecte.dags.interval import run_interval
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.grdf.bookkeeping import NO_CONSENT, record_status
    from collecte.sources.grdf.plan import plan_collection
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.grdf")
    config = load_grdf_config()
    interval = run_interval(get_current_context())
    with connect(warehouse_url(), autocommit=True) as conn:
        plan = plan_collection(conn, config.meters, interval.last_day)
        for pce, reasons in plan.refused.items():
            for kind, reason in reasons.items():
                log.warning("consent gate: skipping GRDF %s %s: %s", pce, kind, reason)
                record_status(conn, pce, kind, NO_CONSENT, f"consent gate: {reason}")
    batches = plan.batches(config.batch_size)
    log.info("GRDF %s..%s: %d PCE(s) in %d batch(es), %d refused by the gate", interval.first_day,
             interval.last_day, len(plan.allowed), len(batches), len(plan.refused))
    return batches


@task(map_index_template="{{ pce_batch }}")
def collect_batch(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """Collect one batch of PCEs; the summaries (references and counts) go to XCom."""
    import logging

    from collecte.dags.interval import run_interval
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.grdf import AdictClient, access_rights, collect_pce
    from collecte.sources.grdf.bookkeeping import ERROR, record_status
    from collecte.sources.grdf.errors import AdictError
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.grdf")
    context = get_current_context()
    context["pce_batch"] = batch["label"]
    config = load_grdf_config()
    interval = run_interval(context)
    start, end = interval.first_day, interval.last_day + timedelta(days=1)
    zone, summaries, transient = raw_zone(), [], []
    pces = [item["pce"] for item in batch["pces"]]
    with AdictClient.from_connection(config.conn_id, rate_per_second=config.task_rate) as client, \
            connect(warehouse_url(), autocommit=True) as conn:
        try:
            rights = access_rights(client, pces)
        except AdictError as exc:
            if exc.retryable:
                raise
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"GRDF access-right listing: {exc}") from exc
        for item in batch["pces"]:
            pce = item["pce"]
            try:
                summary = collect_pce(client, pce, start, end, item["kinds"], zone, conn,
                                      access_right=rights.get(pce), rights_listed=True,
                                      published_lookback_months=config.published_lookback_months)
            except AdictError as exc:
                log.error("GRDF %s: %s", pce, exc)
                for kind in item["kinds"]:
                    record_status(conn, pce, kind, ERROR, str(exc)[:500])
                if exc.retryable:
                    transient.append(pce)
                    continue
                from airflow.sdk.exceptions import AirflowFailException

                # wrong credentials, a rejected request: retrying cannot fix it
                raise AirflowFailException(f"GRDF {pce}: {exc}") from exc
            log.info("GRDF %s: %s, %d raw object(s) new, %d row(s) changed%s", pce, summary.status,
                     summary.raw_created, summary.rows_changed, f" ({summary.reason})" if summary.reason else "")
            summaries.append(summary.as_dict())
        log.info("ADICT calls: %s", dict(client.stats))
    if transient:
        raise RuntimeError(f"GRDF: transient failures persisted for {transient}; the task will be retried "
                           "(PCEs already collected are not collected twice)")
    return summaries


@task
def check_gas(results: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """GX suite `gas_consumption` over the Parquet staged by this run (nothing new: nothing to check)."""
    refs = [ref for batch in results or [] for s in batch for k in s["kinds"].values() for ref in k["new_staged"]]
    if not refs:
        return []
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.quality.staged_check import check_staged, quarantine_summary
    from collecte.warehouse.db import connect

    context = get_current_context()
    with connect(warehouse_url(), autocommit=True) as conn:
        checked = check_staged(raw_zone(), conn, "gas_consumption", refs, source="grdf",
                               run_id=context["run_id"])
    problem = quarantine_summary(checked)
    if problem:
        raise RuntimeError(f"GRDF: loaded rows fail the gas_consumption suite: {problem}")
    return [{k: c[k] for k in ("staged_key", "rows", "passed", "report_key")} for c in checked]


@task
def report(results: list[list[dict[str, Any]]], checked: list[dict[str, Any]]) -> dict[str, Any]:
    """One line per run: PCEs collected, flagged, rows changed, raw objects created."""
    import logging

    log = logging.getLogger("collecte.grdf")
    summaries = [s for batch in results or [] for s in batch]
    flagged = {s["pce"]: s["reason"] for s in summaries if s["status"] != "OK"}
    skipped = {f"{s['pce']} {k}": v["reason"] for s in summaries for k, v in s["kinds"].items()
               if v["status"] == "OUT_OF_SCOPE"}
    for pce, reason in flagged.items():
        log.warning("GRDF %s not collected: %s", pce, reason)
    for what, reason in skipped.items():
        log.info("GRDF %s skipped: %s", what, reason)
    out = {"pces": len(summaries), "flagged": flagged, "skipped": skipped, "checked_objects": len(checked or []),
           "rows_changed": sum(s["rows_changed"] for s in summaries),
           "raw_created": sum(s["raw_created"] for s in summaries)}
    log.info("GRDF run: %s", out)
    return out


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
        default_args=default_args(),
        params=manual_params(),
        tags=["collecte", "operator", "grdf", "gas"],
    ) as dag:
        batches = select_pces()
        results = collect_batch.override(pool=config.pool, queue=config.queue, outlets=[dataset_asset("gas_consumption")]
                                         ).expand(batch=batches)
        report(results, check_gas(results))
    return dag
