"""Notifiers that deliver collecte's alerts: e-mail through Airflow's SmtpNotifier, and a generic webhook.

`WebhookNotifier` posts a JSON document to an Airflow `http` connection (host, optional path in
`endpoint`, headers in the extra, e.g. a token): chat rooms, ticketing tools and on-call services
all take one. `channel_notifiers` builds, for one alert, the notifier of every configured channel;
`collecte.dags.alerts` calls them and records which channels took it, so a retry never sends twice.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseNotifier

from collecte.alerts.config import AlertConfig


class WebhookNotifier(BaseNotifier):
    """POST `payload` as JSON to the host of `http_conn_id` (+ `endpoint`); a non-2xx answer raises."""

    template_fields = ("payload", "endpoint")

    def __init__(self, *, http_conn_id: str, payload: dict[str, Any], endpoint: str = "", timeout: float = 10.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.http_conn_id = http_conn_id
        self.payload = payload
        self.endpoint = endpoint
        self.timeout = timeout

    def notify(self, context: Any) -> None:
        """Send the payload (headers from the connection's extra, as HttpHook does)."""
        from airflow.providers.http.hooks.http import HttpHook

        HttpHook(method="POST", http_conn_id=self.http_conn_id).run(
            self.endpoint, json=self.payload, extra_options={"timeout": self.timeout, "check_response": True})


def channel_notifiers(config: AlertConfig, *, recipients: list[str], subject: str, html: str,
                      payload: dict[str, Any]) -> dict[str, BaseNotifier]:
    """The notifier of each configured channel for one alert, by channel name."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    out: dict[str, BaseNotifier] = {}
    if config.channels.smtp_conn_id:
        out["smtp"] = SmtpNotifier(to=recipients, from_email=config.channels.from_email, subject=subject,
                                   html_content=html, smtp_conn_id=config.channels.smtp_conn_id)
    if config.channels.webhook_conn_id:
        out["webhook"] = WebhookNotifier(http_conn_id=config.channels.webhook_conn_id, payload=payload)
    return out
