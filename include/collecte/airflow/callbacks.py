"""DAG callbacks: a failed run opens one `run_failed` incident (the alert DAG tells people), a
successful run closes its DAG's earlier failures. Task retries call neither: one incident per run."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("collecte.alerts")


def _connect() -> Any:
    from collecte.dags.runtime import warehouse_url
    from collecte.warehouse.db import connect

    return connect(warehouse_url(), autocommit=True)


def on_run_failure(context: Any) -> None:
    """DAG `on_failure_callback`: record the failed run as an incident (never raises)."""
    from collecte.alerts.incidents import record_run_failure

    run = context.get("dag_run")
    dag_id = getattr(run, "dag_id", None) or context.get("dag").dag_id
    run_id = getattr(run, "run_id", None) or context.get("run_id")
    reason = context.get("reason") or "a task failed"
    try:
        with _connect() as conn:
            record_run_failure(conn, dag_id, run_id, f"{dag_id} : l'exécution {run_id} a échoué ({reason})",
                               {"dag_id": dag_id, "run_id": run_id, "reason": reason,
                                "action": "Ouvrir l'exécution dans Airflow : la tâche en échec dit ce qui manque."})
    except Exception:  # a callback must not hide the run's own failure
        log.exception("could not record the failure of %s %s as an incident", dag_id, run_id)


def on_run_success(context: Any) -> None:
    """DAG `on_success_callback`: the DAG works again, close its earlier run failures."""
    from collecte.alerts.incidents import close_run_failures

    run = context.get("dag_run")
    dag_id = getattr(run, "dag_id", None) or context.get("dag").dag_id
    try:
        with _connect() as conn:
            close_run_failures(conn, dag_id)
    except Exception:
        log.exception("could not close the run failures of %s", dag_id)


def run_callbacks() -> dict[str, Any]:
    """The DAG arguments every collection DAG takes."""
    return {"on_failure_callback": on_run_failure, "on_success_callback": on_run_success}
