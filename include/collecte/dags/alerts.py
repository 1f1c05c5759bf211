"""The `collecte_alerts` DAG: incidents from the status tables, one alert each, and a daily digest.

    detect_incidents -> notify_incidents -> send_digest

Every 15 minutes (Paris time) `detect_incidents` reads what needs a person (accounts and meters in
a problem state, quarantined data, missing files, mandates and access rights ending within the
configured days, exports refused) and keeps the incident register; failed runs of every
collection DAG are recorded there by their `on_failure_callback`. `notify_incidents` sends each new
incident once through every configured channel (SMTP notifier on a connection, webhook notifier),
recording each channel as it takes the alert, so a retry sends nothing twice; `send_digest` sends
the day's list of open incidents once, after the configured hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, get_current_context

from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.runtime import default_args

DAG_ID = "collecte_alerts"
NOTIFY_LIMIT = 200  # incidents announced per run at most: a flood is summarised by the digest


def _connect() -> Any:
    from collecte.dags.runtime import warehouse_url
    from collecte.warehouse.db import connect

    return connect(warehouse_url(), autocommit=True)


def _now() -> datetime:
    from collecte.coverage.calendar import PARIS

    return datetime.now(PARIS)


@task
def detect_incidents() -> dict[str, int]:
    """Open, refresh and close incidents from the current state of the warehouse."""
    import logging

    from collecte.alerts.config import load_alert_config
    from collecte.alerts.detect import detect_all
    from collecte.alerts.incidents import sync

    config = load_alert_config()
    now = _now()
    with _connect() as conn:
        found, scanned = detect_all(conn, now.date(), config.expiry_warning_days, config.kinds)
        opened, closed = sync(conn, found, scanned, now)
    logging.getLogger("collecte.alerts").info("incidents: %d seen, %d opened, %d closed", len(found), opened, closed)
    return {"seen": len(found), "opened": opened, "closed": closed}


@task
def notify_incidents(_detected: dict[str, int]) -> dict[str, int]:
    """Send each incident not yet announced through each channel that has not taken it yet."""
    from collecte.airflow.notifiers import channel_notifiers
    from collecte.alerts import messages
    from collecte.alerts.config import load_alert_config
    from collecte.alerts.incidents import mark_sent, unnotified

    config = load_alert_config()
    context = get_current_context()
    sent, failures = 0, []
    with _connect() as conn:
        for incident in unnotified(conn, config.kinds, NOTIFY_LIMIT):
            notifiers = channel_notifiers(
                config, recipients=config.recipients_for(incident.organization_id),
                subject=messages.subject(incident), html=messages.html_body(incident),
                payload={"kind": incident.kind, "key": incident.key, "summary": incident.summary,
                         "detail": incident.detail, "opened_at": incident.opened_at.isoformat()})
            for channel, notifier in notifiers.items():
                if channel in incident.notified_via:
                    continue
                try:
                    notifier.notify(context)
                except Exception as exc:  # the other channels and incidents still go; the task then fails
                    failures.append(f"{incident.key} via {channel}: {exc}")
                    continue
                mark_sent(conn, incident.id, channel, list(notifiers))
                sent += 1
    if failures:
        raise RuntimeError(f"{len(failures)} alert(s) not delivered (retried without resending the others): "
                           + "; ".join(failures[:5]))
    return {"sent": sent}


@task
def send_digest(_notified: dict[str, int]) -> bool:
    """Once per Paris day, after the configured hour: the list of open incidents to every recipient."""
    from collecte.airflow.notifiers import channel_notifiers
    from collecte.alerts import messages
    from collecte.alerts.config import load_alert_config
    from collecte.alerts.incidents import open_incidents

    config = load_alert_config()
    now = _now()
    if now.hour < config.digest_hour:
        return False
    with _connect() as conn, conn.transaction():
        # the claim and the sending commit together: a failed send leaves the day unclaimed for the retry
        claimed = conn.execute("INSERT INTO alert_digest (digest_day, open_incidents) VALUES (%s, 0) "
                               "ON CONFLICT DO NOTHING", (now.date(),)).rowcount
        if not claimed:
            return False
        incidents = open_incidents(conn)
        title, html = messages.digest(incidents, now.date())
        conn.execute("UPDATE alert_digest SET open_incidents = %s WHERE digest_day = %s", (len(incidents), now.date()))
        for notifier in channel_notifiers(config, recipients=config.recipients, subject=title, html=html,
                                          payload={"kind": "digest", "day": now.date().isoformat(),
                                                   "open_incidents": len(incidents)}).values():
            notifier.notify(get_current_context())
    return True


def build_alerts(doc_md: str | None = None) -> DAG:
    """`collecte_alerts`: every 15 minutes, incidents -> alerts -> the daily digest."""
    from collecte.dags.schedule import paris_timetable

    with DAG(
        dag_id=DAG_ID,
        description="Alerts: one message per incident (SMTP, webhook) and a daily digest",
        doc_md=doc_md or __doc__,
        schedule=paris_timetable("*/15 * * * *"),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(retries=2, execution_timeout=timedelta(minutes=10)),
        tags=["collecte", "alerts", "housekeeping"],
    ) as dag:
        send_digest(notify_incidents(detect_incidents()))
    return dag
