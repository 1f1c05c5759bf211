"""The `gdpr_retention` DAG: every day, delete what is past retention and look after mandates.

    purge_past_retention   S3 prefixes and warehouse tables per include/config/retention.yaml
    expire_and_remind      signed mandates past their end -> expired; reminders 30 days before the end

Both tasks read the run's last day (`run_interval`), so a rerun of a past day purges what was due
that day; XCom carries counts only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, get_current_context, task

from collecte.dags.runtime import default_args

DAG_ID = "gdpr_retention"


@task
def purge_past_retention() -> dict[str, Any]:
    """Delete S3 objects and warehouse rows older than their data kind's retention."""
    from collecte.consent.retention import load_retention
    from collecte.consent.retention import purge_past_retention as purge
    from collecte.dags.interval import run_interval
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.warehouse.db import connect

    day = run_interval(get_current_context()).last_day
    with connect(warehouse_url()) as conn:
        report = purge(conn, raw_zone(), load_retention(), day)
    return {"day": day.isoformat(), "s3_objects": report.s3_objects, "rows": report.rows,
            "missing_tables": sorted(set(report.missing_tables))}


@task
def expire_and_remind() -> dict[str, Any]:
    """Expire ended mandates; e-mail the signatories of mandates ending within 30 days."""
    from airflow.sdk import BaseHook

    from collecte.consent.deployment import consent_secret, deployment_mailer, public_base_url
    from collecte.consent.mandates import expire_mandates, send_expiry_reminders
    from collecte.consent.web import contact_token
    from collecte.dags.interval import run_interval
    from collecte.dags.runtime import warehouse_url
    from collecte.warehouse.db import connect

    day = run_interval(get_current_context()).last_day
    secret, base = consent_secret(), public_base_url()
    with connect(warehouse_url()) as conn:
        expired = expire_mandates(conn, day)
        reminded = send_expiry_reminders(conn, deployment_mailer(BaseHook.get_connection), day,
                                         link_for=lambda contact: f"{base}/c/{contact_token(secret, contact)}")
    return {"day": day.isoformat(), "expired": expired, "reminded": reminded}


def build_gdpr_retention(doc_md: str | None = None) -> DAG:
    """The daily GDPR housekeeping DAG."""
    with DAG(
        dag_id=DAG_ID,
        schedule="30 3 * * *",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["gdpr", "consent", "housekeeping"],
        default_args=default_args(),
        doc_md=doc_md or __doc__,
    ) as dag:
        purge_past_retention() >> expire_and_remind()
    return dag
