"""collecte's Airflow UI plugin: the collecte web app (consent pages: mandates, credentials, status).

Mounts the FastAPI app of `collecte.web.app` at `/collecte-consent` (consent) and `/collecte-ops`
(operations: coverage, meter pages, statuses) on Airflow's API server and
adds "Mandats et consentements" to the navigation (an embedded view of its status page).
Contacts reach their pages through personal links (`/collecte-consent/c/<token>`, exchanged once
for a session); staff pages check the signed-in Airflow user's permissions through the auth
manager (`collecte.web.auth`). Settings are read at the first request, never at import:
connections `collecte_warehouse`, `collecte_s3`, Variable `collecte_bucket`, optional
`collecte_smtp` (else the sandbox Maildir); `$COLLECTE_TRUSTED_PROXIES` (comma-separated
networks) for `X-Forwarded-For`; `[api] base_url` is an allowed form origin.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from collecte.consent.deployment import PLUGIN_PREFIX

OPERATIONS_PREFIX = "/collecte-ops"


def _warehouse_url(conn: Any) -> str:
    from urllib.parse import quote

    auth = conn.login or ""
    if conn.password:
        auth += ":" + quote(conn.password, safe="")
    return f"postgresql://{auth + '@' if auth else ''}{conn.host or '127.0.0.1'}:{conn.port or 5432}/{conn.schema or 'collecte'}"


def _settings() -> Any:
    import os

    from airflow.configuration import conf
    from airflow.models import Connection, Variable

    from collecte.consent.credentials import AirflowConnectionStore
    from collecte.consent.deployment import consent_secret, deployment_mailer
    from collecte.dags.runtime import BUCKET_VARIABLE, DEFAULT_BUCKET, S3_CONN_ID, WAREHOUSE_CONN_ID
    from collecte.landing.raw_zone import RawZone
    from collecte.storage.s3 import s3_client
    from collecte.web.context import WebSettings

    s3 = Connection.get_connection_from_secrets(S3_CONN_ID)
    extra = s3.extra_dejson
    client = s3_client(endpoint_url=extra.get("endpoint_url"), region_name=extra.get("region_name", "eu-west-3"),
                       aws_access_key_id=s3.login or None, aws_secret_access_key=s3.password or None)
    bucket = Variable.get(BUCKET_VARIABLE, default_var=DEFAULT_BUCKET)
    return WebSettings(
        warehouse_url=_warehouse_url(Connection.get_connection_from_secrets(WAREHOUSE_CONN_ID)),
        zone=RawZone(client, bucket),
        mailer=deployment_mailer(Connection.get_connection_from_secrets),
        credential_store=AirflowConnectionStore(),
        secret_key=consent_secret(),
        allowed_origins=(conf.get("api", "base_url", fallback=""),),
        trusted_proxies=tuple(os.environ.get("COLLECTE_TRUSTED_PROXIES", "").split(",")),
    )


def _consent_app() -> Any:
    from collecte.web.app import create_app

    return create_app(_settings)


def _operations_app() -> Any:
    from collecte.web.app import create_app
    from collecte.web.operations.routes import router

    return create_app(_settings, routers=(router,))


class CollectePlugin(AirflowPlugin):
    """Consent pages, operations pages (coverage, meters, statuses) and their entries in Airflow's navigation."""

    name = "collecte"
    fastapi_apps = [{"app": _consent_app(), "url_prefix": PLUGIN_PREFIX, "name": "collecte consent"},
                    {"app": _operations_app(), "url_prefix": OPERATIONS_PREFIX, "name": "collecte operations"}]
    external_views = [{
        "name": "Couverture des données",
        "href": f"{OPERATIONS_PREFIX.lstrip('/')}/coverage",
        "url_route": "collecte-coverage",
        "destination": "nav",
        "category": "browse",
    }, {
        "name": "Statuts de collecte",
        "href": f"{OPERATIONS_PREFIX.lstrip('/')}/status",
        "url_route": "collecte-status",
        "destination": "nav",
        "category": "browse",
    }, {
        "name": "Mandats et consentements",
        "href": f"{PLUGIN_PREFIX.lstrip('/')}/status",
        "url_route": "collecte-consent",
        "destination": "nav",
        "category": "browse",
    }]
