"""What every router of the app shares: its settings, base path, page rendering, warehouse access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from collecte.consent.credentials import CredentialStore
from collecte.consent.links import LINK_TTL
from collecte.consent.mailer import Mailer
from collecte.web.pages import render


@dataclass
class WebSettings:
    """What the app needs. `secret_key` signs sessions and CSRF tokens; `allowed_origins` are
    extra origins forms may come from (Airflow's public URL behind a proxy); `trusted_proxies`
    the networks whose `X-Forwarded-For` is believed (none by default)."""

    warehouse_url: str
    zone: Any
    mailer: Mailer
    credential_store: CredentialStore
    secret_key: bytes
    allowed_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    link_ttl: timedelta = LINK_TTL
    session_ttl: timedelta = timedelta(hours=2)
    today: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())


def settings(request: Request) -> WebSettings:
    """The app's settings (resolved at the first request: the plugin reads them from Airflow)."""
    return request.app.state.settings()


def base(request: Request) -> str:
    """The path the app is mounted at (`/collecte-consent` in Airflow, empty standalone)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def page(request: Request, name: str, http_status: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a page of `collecte.web.pages`; `home` defaults to the app's root."""
    return HTMLResponse(render(name, home=ctx.pop("home", base(request) + "/"), **ctx), status_code=http_status)


@contextmanager
def warehouse(request: Request) -> Iterator[Any]:
    """A warehouse connection committed at the end of the block (rolled back on error)."""
    from collecte.warehouse.db import connect

    with connect(settings(request).warehouse_url) as conn:
        yield conn
