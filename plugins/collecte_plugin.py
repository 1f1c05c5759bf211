"""collecte's Airflow UI plugin: the consent pages (mandates, credentials, status) inside Airflow.

Mounts the FastAPI app of `collecte.consent.web` at `/collecte-consent` on Airflow's API server
and adds "Mandats et consentements" to the navigation (an embedded view of its status page).
Contacts reach their pages through their personal links (`/collecte-consent/c/<token>`); the
status and staff credential pages require a signed-in Airflow user (the UI's session token).
Settings are read at the first request, never at import: connections `collecte_warehouse`,
`collecte_s3`, Variable `collecte_bucket`, optional `collecte_smtp` (else the sandbox Maildir).
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from collecte.consent.deployment import PLUGIN_PREFIX


def _warehouse_url(conn: Any) -> str:
    from urllib.parse import quote

    auth = conn.login or ""
    if conn.password:
        auth += ":" + quote(conn.password, safe="")
    return f"postgresql://{auth + '@' if auth else ''}{conn.host or '127.0.0.1'}:{conn.port or 5432}/{conn.schema or 'collecte'}"


async def _airflow_user(request: Any) -> str | None:
    """The signed-in Airflow user (UI session cookie or bearer token), or None."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.core_api.security import resolve_user_from_token

    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or \
        request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    if not token:
        return None
    try:
        user = await resolve_user_from_token(token)
    except Exception:  # expired or invalid token: HTTPException 401/403
        return None
    return user.get_name()


def _settings() -> Any:
    from airflow.models import Connection, Variable

    from collecte.consent.credentials import AirflowConnectionStore
    from collecte.consent.deployment import consent_secret, deployment_mailer
    from collecte.consent.web import WebSettings
    from collecte.dags.runtime import BUCKET_VARIABLE, DEFAULT_BUCKET, S3_CONN_ID, WAREHOUSE_CONN_ID
    from collecte.landing.raw_zone import RawZone
    from collecte.storage.s3 import s3_client

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
        staff_auth=_airflow_user,
        trust_forwarded_for=True,
    )


def _consent_app() -> Any:
    from collecte.consent.web import create_app

    return create_app(_settings)


class CollectePlugin(AirflowPlugin):
    """Consent pages and their entry in Airflow's navigation."""

    name = "collecte"
    fastapi_apps = [{"app": _consent_app(), "url_prefix": PLUGIN_PREFIX, "name": "collecte consent"}]
    external_views = [{
        "name": "Mandats et consentements",
        "href": f"{PLUGIN_PREFIX.lstrip('/')}/status",
        "url_route": "collecte-consent",
        "destination": "nav",
        "category": "browse",
    }]
