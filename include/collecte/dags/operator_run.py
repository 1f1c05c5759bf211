"""What every operator DAG (collect_enedis, collect_grdf, import_meter_history) shares at its end.

    verify_complete.override(task_id="verify_complete")(batches, operator="enedis")

The leaf of every operator run: a run is green only if its data is in. It runs whatever happened
upstream (`all_done`: a batch that failed after its retries must not hide its loss) and asks
`collecte.metering.completeness.missing_work` what the run's plan still owes; the statuses are
made to say the same (`record_verdict`), and the task fails, without retry, with a message naming
the missing meters, kinds and days and the exact `import_meter_history` Params that replay them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import get_current_context

from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException


def operator_default_args(execution_timeout_minutes: int | None) -> dict[str, Any]:
    """Task defaults of an operator DAG: retries with backoff, and the configured execution timeout."""
    from collecte.dags.runtime import default_args

    extra = {"execution_timeout": timedelta(minutes=execution_timeout_minutes)} if execution_timeout_minutes else {}
    return default_args(**extra)


@task(trigger_rule="all_done", retries=0)
def verify_complete(batches: list[dict[str, Any]] | None, operator: str) -> dict[str, Any]:
    """Fail the run, naming what is missing and how to replay it, unless every planned datum is in."""
    import logging

    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import warehouse_url
    from collecte.metering.completeness import missing_work, record_verdict
    from collecte.warehouse.db import connect

    log = logging.getLogger(f"collecte.{operator}")
    context = get_current_context()
    run_id, dag_id = context["run_id"], context["dag"].dag_id
    if batches is None:
        raise AirflowFailException(f"{dag_id} run {run_id}: {operator} selection failed, nothing was planned; "
                                   "see the select task's log, then clear the run")
    with connect(warehouse_url(), autocommit=True) as conn:
        # flags another run found since this one began count too (runs of overlapping meters at once)
        since = getattr(context.get("dag_run"), "start_date", None)
        report = missing_work(conn, operator, batches, run_id=run_id, since=since)
        if not report.complete:
            record_verdict(conn, report, run_id=run_id, dag_id=dag_id)
    out = report.as_dict()
    if not report.complete:
        message = report.message(dag_id, run_id)
        log.error(message)
        raise AirflowFailException(message)
    log.info("%s run %s complete: %d batch(es); flagged (not collectable as configured): %s", operator, run_id,
             len(batches), report.flagged or "none")
    return out
