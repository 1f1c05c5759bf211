"""The SFTP road: a sensor on the drop folder, one task landing complete files in the raw zone, and
a `file_report` leaf that makes the run red, naming each file this run could not land or archive
(those stay on the server with status `error` and are taken again by the next attempt)."""

from __future__ import annotations

from typing import Any

from airflow.providers.sftp.sensors.sftp import SFTPSensor
from airflow.sdk import XComArg, get_current_context

from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.config.models import RoadConfig, SupplierConfig


class DropSensor(SFTPSensor):
    """Waits for the supplier's drop on scheduled runs; a manual run looks once and goes on.

    Someone who presses *Trigger* wants what is on the server now, not a wait of the sensor's
    timeout: with nothing there, the manual run skips its stages at once.
    """

    def poke(self, context):  # noqa: ANN001, ANN201 - the sensor's own signature
        found = super().poke(context)
        if not found and getattr(context.get("dag_run"), "run_type", None) == "manual":
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException(f"nothing matching {self.file_pattern!r} in {self.path} (manual run)")
        return found


def build_road(supplier: SupplierConfig, road: RoadConfig) -> XComArg:
    """Add the sensor and landing task of `road`; return the landed-object references."""
    wait = DropSensor(
        task_id="wait_for_files",
        path=road.remote_dir,
        file_pattern=road.wait_pattern or next(iter(road.patterns.values())),
        sftp_conn_id=road.conn_id,
        mode="reschedule",
        poke_interval=road.sensor_poke_seconds,
        timeout=road.sensor_timeout_seconds,
        soft_fail=True,  # nothing dropped today: the run skips its stages instead of failing
        pool=road.pool or "default_pool",
        queue=road.task_queue,
        deferrable=False,  # provider 7.0.0's deferred path returns no file list (STACK.md)
    )

    @task(task_id="land_files", pool=road.pool or "default_pool", queue=road.task_queue)
    def land_files() -> list[dict[str, Any]]:
        """Land complete files, archive them on the server, record statuses and sequence gaps."""
        return land_sftp_road(supplier, road)

    landed = land_files()
    wait >> landed
    landed >> file_report(supplier.code)
    return landed


@task(task_id="file_report", trigger_rule="all_done", retries=0)
def file_report(source: str) -> int:
    """Fail, naming them, if files of this run were not landed or not archived."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import warehouse_url
    from collecte.landing.file_status import failed_in_run
    from collecte.warehouse.db import connect

    with connect(warehouse_url()) as conn:
        failed = failed_in_run(conn, source, get_current_context()["run_id"])
    if failed:
        raise AirflowFailException(f"{source}: {len(failed)} file(s) not fully landed, left for the next attempt: "
                                   + "; ".join(f"{name}: {reason or 'landed, not archived'}" for name, reason in failed))
    return 0


def land_sftp_road(supplier: SupplierConfig, road: RoadConfig) -> list[dict[str, Any]]:
    """Task body of `land_files` (separate so it can be called outside a DAG)."""
    import logging
    import time
    from datetime import datetime

    from airflow.providers.sftp.hooks.sftp import SFTPHook

    from collecte.dags.interval import PARIS
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.landing.drop import land_drop
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.sftp")
    run_id = get_current_context()["run_id"]  # fails loudly if called outside a task
    from collecte.consent.gate import collectable_accounts

    hook = SFTPHook(ssh_conn_id=road.conn_id)
    today = datetime.now(PARIS).date()
    with hook.get_managed_conn() as sftp, connect(warehouse_url()) as conn:
        def gate(accounts):
            decision = collectable_accounts(conn, supplier=supplier.code, data_kind="invoices", on=today,
                                            candidates=list(accounts))
            return decision.refused

        report = land_drop(sftp, raw_zone(), conn, source=supplier.code, road=road, received=today,
                           now=time.time(), gate=gate, run_id=run_id)
    created = sum(1 for item in report.landed if item["created"])
    log.info("%s: %d file(s) landed (%d new), %d skipped", supplier.code, len(report.landed), created,
             len(report.skipped))
    for item in report.errors:
        log.error("%s: %s: %s", supplier.code, item["name"], item["reason"])
    for kind, gaps in report.gaps.items():
        log.warning("SEQUENCE GAP in %s %s flow: missing %s (see table file_status)", supplier.code, kind, gaps)
    return report.landed
