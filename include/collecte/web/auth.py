"""Who is asking, and may they: staff identity and permissions through Airflow's auth manager,
CSRF tokens and Origin checks for forms, the client address behind trusted proxies.

This is the module every collecte page uses (consent pages, and the operations pages under
`collecte.web.operations`). Its whole API:

- `Permission`: VIEW (read statuses, no personal data), PERSONAL (see and issue contacts'
  personal links), ACT (change anything: credentials, mandates, erasure, triggering runs).
- `require(permission)`: a FastAPI dependency giving the `Staff` caller, or 401 (not signed in)
  / 403 (signed in without the permission); as parameter types: `staff: Viewer`, `Personal`,
  `Actor`. `staff.can(Permission.PERSONAL)` for optional parts of a page.
- `csrf_token(request, subject)`: the token to put in a form's hidden `csrf_token` field;
  `protect_form(request, subject, token)`: checks it and the Origin; 403 otherwise. Every POST
  form calls it (`Staff.subject` / the contact session id as `subject`).
- `client_ip(request)`: the caller's address; `X-Forwarded-For` only from trusted proxies.
- `caller_token(request)`: the caller's own Airflow JWT, to call Airflow's REST API on their behalf
  (so Airflow checks their permission again, e.g. to trigger a DAG run).

Identity: the Airflow JWT, from `Authorization: Bearer` or the UI's `_token` cookie, resolved by
the configured auth manager (SimpleAuthManager, FAB, Keycloak, ...), which also answers the
permission questions. Permissions map onto Airflow's own resources, so any auth manager (and its
role editor) governs them without extra setup:
- VIEW = may read DAGs (`is_authorized_dag(GET)`): Viewer, User, Op, Admin;
- PERSONAL = may read connections (`is_authorized_connection(GET)`): Op, Admin;
- ACT = may edit connections (`is_authorized_connection(PUT)`): Op, Admin.
Contacts' personal links are credentials too, hence the connections permission.
Airflow does not protect plugin apps by itself: every route depends on one of these checks.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

CSRF_FIELD = "csrf_token"


class Permission(StrEnum):
    """What a page or action needs."""

    VIEW = "view"
    PERSONAL = "personal"
    ACT = "act"


@dataclass(frozen=True)
class WebAuth:
    """Per-app security settings (kept on `app.state.web_auth`).

    `secret` keys the CSRF tokens; `allowed_origins` are the origins forms may be posted from
    besides the app's own (e.g. Airflow's `[api] base_url` behind a proxy); `trusted_proxies`
    are the networks whose `X-Forwarded-For` is believed.
    """

    secret: bytes
    allowed_origins: frozenset[str] = frozenset()
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def build(cls, secret: bytes, *, allowed_origins: Iterable[str] = (),
              trusted_proxies: Iterable[str] = ()) -> WebAuth:
        """From plain strings: origins like `https://airflow.example`, proxies like `10.0.0.0/8`."""
        return cls(secret, frozenset(_origin(o) for o in allowed_origins if o),
                   tuple(ipaddress.ip_network(p.strip(), strict=False) for p in trusted_proxies if p.strip()))


def _web_auth(request: Request) -> WebAuth:
    found = request.app.state.web_auth
    return found() if callable(found) else found


# -- staff ------------------------------------------------------------------------------------------

def _checks() -> dict[Permission, Callable[[Any, Any], bool]]:
    return {
        Permission.VIEW: lambda am, user: am.is_authorized_dag(method="GET", user=user),
        Permission.PERSONAL: lambda am, user: am.is_authorized_connection(method="GET", user=user),
        Permission.ACT: lambda am, user: am.is_authorized_connection(method="PUT", user=user),
    }


@dataclass(frozen=True)
class Staff:
    """A signed-in Airflow user and what they may do here."""

    name: str
    user: Any
    session: str  # a digest of the credential used: binds CSRF tokens to this sign-in

    @property
    def subject(self) -> str:
        """The CSRF subject of this caller."""
        return f"staff:{self.name}:{self.session}"

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"staff:{self.name}"

    def can(self, permission: Permission) -> bool:
        """Whether the auth manager grants `permission` to this user."""
        from airflow.api_fastapi.app import get_auth_manager

        return bool(_checks()[permission](get_auth_manager(), self.user))


def _credential(request: Request) -> str | None:
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN

    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE_NAME_JWT_TOKEN) or None


def caller_token(request: Request) -> str | None:
    """The caller's own Airflow token (to act on their behalf through Airflow's REST API), or None."""
    return _credential(request)


async def current_staff(request: Request) -> Staff | None:
    """The signed-in Airflow user (bearer token or UI cookie), or None when absent or invalid."""
    from airflow.api_fastapi.app import get_auth_manager

    token = _credential(request)
    if not token:
        return None
    try:
        user = await get_auth_manager().get_user_from_token(token)
    except Exception:  # expired or invalid JWT (jwt.InvalidTokenError and subclasses)
        return None
    return Staff(user.get_name(), user, hashlib.sha256(token.encode()).hexdigest()[:32])


def require(permission: Permission) -> Callable[[Request], Any]:
    """FastAPI dependency: the `Staff` caller holding `permission`, else 401 / 403."""

    async def dependency(request: Request) -> Staff:
        staff = await current_staff(request)
        if staff is None:
            raise HTTPException(401, "connectez-vous à Airflow")
        if not staff.can(permission):
            raise HTTPException(403, f"permission « {permission.value} » requise")
        return staff

    return dependency


Viewer = Annotated[Staff, Depends(require(Permission.VIEW))]
"""A route parameter typed `Viewer` receives the caller, who may read statuses."""
Personal = Annotated[Staff, Depends(require(Permission.PERSONAL))]
"""... who may also see personal data (contacts' links)."""
Actor = Annotated[Staff, Depends(require(Permission.ACT))]
"""... who may change things (then check the form with `protect_form`)."""


# -- forms ------------------------------------------------------------------------------------------

def csrf_token(request: Request, subject: str) -> str:
    """The CSRF token of `subject` (a staff sign-in or a contact session) for this app."""
    return hmac.new(_web_auth(request).secret, f"csrf:{subject}".encode(), hashlib.sha256).hexdigest()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origin(request: Request) -> str:
    return _origin(str(request.base_url))


def check_origin(request: Request) -> None:
    """403 unless the form comes from this app's origin or an allowed one (Origin, else Referer)."""
    given = request.headers.get("origin")
    if not given or given == "null":
        referer = request.headers.get("referer")
        given = _origin(referer) if referer else None
    if not given:
        raise HTTPException(403, "origine de la requête absente")
    if _origin(given) not in _web_auth(request).allowed_origins | {_own_origin(request)}:
        raise HTTPException(403, "origine de la requête refusée")


def protect_form(request: Request, subject: str, token: str | None) -> None:
    """Check a posted form: same origin and the CSRF token of `subject`; 403 otherwise."""
    check_origin(request)
    if not token or not hmac.compare_digest(token, csrf_token(request, subject)):
        raise HTTPException(403, "jeton de formulaire invalide : rechargez la page")


# -- client address ---------------------------------------------------------------------------------

def client_ip(request: Request) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the last untrusted hop
    of `X-Forwarded-For` (entries added by trusted proxies are skipped from the right)."""
    peer = request.client.host if request.client else "unknown"
    proxies = _web_auth(request).trusted_proxies
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop if _valid_ip(hop) else peer
    return hops[0] if hops and _valid_ip(hops[0]) else peer


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _trusted(address: str, proxies: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)
