"""The collecte web application: one FastAPI router per area, composed here.

Areas: contacts' links and home (`contacts`), mandate signature (`signature`), portal
credentials (`credentials`), staff status and contact links (`status`), staff requests and
erasure (`erasure`). Other packages add theirs through `extra_routers` (e.g. the operations
pages). Served inside the Airflow UI by `plugins/collecte_plugin.py`, or standalone:
`python -m collecte.web --port 8091` (identity still comes from Airflow's auth manager).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI

from collecte.web import contacts, credentials, erasure, signature, status
from collecte.web.auth import WebAuth
from collecte.web.context import WebSettings

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'self'",
}
ROUTERS = (contacts.router, signature.router, credentials.router, status.router, erasure.router)


def create_app(settings: WebSettings | Callable[[], WebSettings], *, root_path: str = "",
               extra_routers: Iterable[APIRouter] = (), routers: Iterable[APIRouter] = ROUTERS) -> FastAPI:
    """The app; `settings` may be a factory, called once at the first request. `routers` are its areas
    (the consent ones by default; the operations app passes its own)."""
    app = FastAPI(title="collecte", root_path=root_path, docs_url=None, redoc_url=None, openapi_url=None)
    resolved: dict[str, Any] = {}

    def get_settings() -> WebSettings:
        if "settings" not in resolved:
            resolved["settings"] = settings() if callable(settings) else settings
        return resolved["settings"]

    def get_web_auth() -> WebAuth:
        if "auth" not in resolved:
            s = get_settings()
            resolved["auth"] = WebAuth.build(s.secret_key, allowed_origins=s.allowed_origins,
                                             trusted_proxies=s.trusted_proxies)
        return resolved["auth"]

    app.state.settings = get_settings
    app.state.web_auth = get_web_auth

    @app.middleware("http")
    async def security_headers(request: Any, call_next: Any) -> Any:
        """Pages hold personal data and forms: not cached, not framed by other sites, no referrer outside."""
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    for router in (*routers, *extra_routers):
        app.include_router(router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> None:
    """Run the app standalone: `python -m collecte.web --port 8091 --warehouse URL ...`."""
    import argparse
    import os
    from pathlib import Path

    import uvicorn
    from airflow.api_fastapi.app import init_auth_manager

    from collecte.consent.credentials import AirflowConnectionStore
    from collecte.consent.deployment import consent_secret
    from collecte.consent.mailer import MaildirMailer
    from collecte.landing.raw_zone import RawZone
    from collecte.storage.s3 import s3_client

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--warehouse", default=os.environ.get("COLLECTE_WAREHOUSE_URL"))
    parser.add_argument("--s3-endpoint", default=os.environ.get("COLLECTE_S3_ENDPOINT"))
    parser.add_argument("--bucket", default=os.environ.get("COLLECTE_BUCKET", "collecte"))
    parser.add_argument("--mailbox", default=os.environ.get("COLLECTE_SANDBOX_MAILBOX", "sandbox-mailbox"))
    parser.add_argument("--trusted-proxy", action="append", default=[], help="network whose X-Forwarded-For is believed")
    args = parser.parse_args(argv)
    if not args.warehouse:
        parser.error("--warehouse or COLLECTE_WAREHOUSE_URL is required")
    client = s3_client(endpoint_url=args.s3_endpoint,
                       aws_access_key_id=os.environ.get("COLLECTE_S3_ACCESS_KEY") or os.environ.get("AWS_ACCESS_KEY_ID"),
                       aws_secret_access_key=os.environ.get("COLLECTE_S3_SECRET_KEY")
                       or os.environ.get("AWS_SECRET_ACCESS_KEY"))
    init_auth_manager()
    settings = WebSettings(warehouse_url=args.warehouse, zone=RawZone(client, args.bucket),
                           mailer=MaildirMailer(Path(args.mailbox)), credential_store=AirflowConnectionStore(),
                           secret_key=consent_secret(), trusted_proxies=tuple(args.trusted_proxy))
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
