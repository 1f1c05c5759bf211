"""The `gdpr_retention` DAG: every day, delete what is past retention and look after mandates.

    purge_past_retention   S3 objects and warehouse rows per include/config/retention.yaml
    expire_and_remind      signed mandates past their end -> expired; reminders 30 days before the end

Both tasks take TODAY from the clock, never from the run's interval or conf: triggering the DAG
with a date in 2099 purges nothing more than today's run. The Params form may only narrow a purge
(some classes, an earlier cut-off) or make it a dry run that lists what would go.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Param, get_current_context

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.runtime import default_args
from collecte.dags.schedule import paris_timetable

DAG_ID = "gdpr_retention"


def clock_today() -> Any:
    """Today in Paris, from the clock (the one source of a retention cut-off)."""
    from collecte.dags.interval import PARIS

    return datetime.now(PARIS).date()


@task
def purge_past_retention() -> dict[str, Any]:
    """Delete S3 objects and warehouse rows past their class's retention (or list them: dry run)."""
    import logging

    from airflow.sdk.exceptions import AirflowFailException

    from collecte.consent.retention import Narrowing, delete_objects, load_retention
    from collecte.consent.retention import purge_past_retention as purge
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.warehouse.db import connect

    policy = load_retention()
    try:
        narrowing = Narrowing.from_params(dict(get_current_context().get("params") or {}), policy)
    except ValueError as exc:
        raise AirflowFailException(str(exc)) from None
    zone = raw_zone()
    with connect(warehouse_url()) as conn:
        report = purge(conn, zone, policy, clock_today(), narrowing)
        conn.commit()  # rows and the audit row first; objects once that is durable
    if not narrowing.dry_run:
        delete_objects(zone, report.object_keys)
    summary = report.summary()
    logging.getLogger("collecte.gdpr").info("retention %s: %s", "dry run" if narrowing.dry_run else "purge",
                                            summary)
    if report.refused:
        raise AirflowFailException("retention guard refused: " + "; ".join(
            f"{name}: {reason}" for name, reason in report.refused.items()))
    return summary


@task
def expire_and_remind() -> dict[str, Any]:
    """Expire ended mandates; e-mail the signatories of mandates ending within 30 days."""
    from airflow.sdk import BaseHook

    from collecte.consent.deployment import deployment_mailer, public_base_url
    from collecte.consent.links import issue_link
    from collecte.consent.mandates import expire_mandates, send_expiry_reminders
    from collecte.dags.runtime import warehouse_url
    from collecte.warehouse.db import connect

    day = clock_today()
    base = public_base_url()
    with connect(warehouse_url()) as conn:
        expired = expire_mandates(conn, day)
        reminded = send_expiry_reminders(conn, deployment_mailer(BaseHook.get_connection), day,
                                         link_for=lambda contact: f"{base}/c/{issue_link(conn, contact, actor=DAG_ID)}")
    return {"day": day.isoformat(), "expired": expired, "reminded": reminded}


def retention_params() -> dict[str, Param]:
    """The Params form: narrowing only (no date here can move a cut-off later)."""
    return {
        "dry_run": Param(False, type="boolean", title="Dry run",
                         description="List what would be deleted, delete nothing."),
        "classes": Param([], type="array", items={"type": "string"}, title="Only these classes",
                         description="Retention classes of retention.yaml to purge; empty: all."),
        "older_than": Param(None, type=["null", "string"], format="date", title="Only older than",
                            description="Delete only what is older than this day AND past retention."),
    }


def build_gdpr_retention(doc_md: str | None = None) -> DAG:
    """The daily GDPR housekeeping DAG."""
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id=DAG_ID,
        schedule=paris_timetable("30 3 * * *"),  # 03:30 Paris time
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["gdpr", "consent", "housekeeping"],
        default_args=default_args(),
        doc_md=doc_md or __doc__,
        params=retention_params(),
    ) as dag:
        purge_past_retention() >> expire_and_remind()
    return dag


ERASURE_DAG_ID = "gdpr_erasure"


@task
def open_erasure_requests() -> list[int]:
    """The requests to carry out: the one in Params `request_id`, else every open one."""
    from collecte.consent.erasure import open_requests
    from collecte.dags.runtime import warehouse_url
    from collecte.warehouse.db import connect

    chosen = (get_current_context().get("params") or {}).get("request_id")
    if chosen:
        return [int(chosen)]
    with connect(warehouse_url()) as conn:
        return open_requests(conn)


@task(map_index_template="{{ 'request ' ~ request_id }}")
def erase(request_id: int) -> dict[str, Any]:
    """Carry out one erasure request: the warehouse (committed), then S3; a retry resumes at S3."""
    import logging

    from collecte.consent.erasure import run_erasure
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.warehouse.db import connect

    context = get_current_context()
    context["request_id"] = request_id  # type: ignore[typeddict-unknown-key]  # map_index_template
    with connect(warehouse_url()) as conn:
        report = run_erasure(conn, raw_zone(), request_id, run_id=context.get("run_id"))
    logging.getLogger("collecte.gdpr").info("erasure report: %s", report.as_dict())
    return report.as_dict()


def build_gdpr_erasure(doc_md: str | None = None) -> DAG:
    """The erasure DAG: carries out the requests the consent pages record (request_erasure)."""
    from datetime import timedelta

    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id=ERASURE_DAG_ID,
        schedule=timedelta(minutes=15),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["gdpr", "consent", "erasure"],
        default_args=default_args(),
        doc_md=doc_md or build_gdpr_erasure.__doc__,
        params={"request_id": Param(None, type=["null", "integer"], title="Erasure request",
                                    description="Carry out this request (erasure_request.id); empty: every open one")},
    ) as dag:
        erase.expand(request_id=open_erasure_requests())
    return dag
