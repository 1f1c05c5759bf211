"""Contacts' sessions: a personal link is exchanged once for a signed cookie naming the link.

The cookie holds `<link id>.<expiry>.<HMAC>`, no personal data; each request checks the HMAC,
the expiry, and that the link is still in force (not revoked, contact not erased), so revoking a
contact's links ends their sessions at once. What a contact may reach: their own entity, or, for
a group referent, every non-autonomous entity of the group.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response

from collecte.consent.links import link_in_force
from collecte.consent.mandates import MandateError, get_mandate
from collecte.web.context import base, settings, warehouse

COOKIE = "collecte_contact"


@dataclass(frozen=True)
class ContactSession:
    """The contact behind a session cookie."""

    link_id: int
    contact: dict[str, Any]

    @property
    def subject(self) -> str:
        """The CSRF subject of this session."""
        return f"contact-session:{self.link_id}"

    @property
    def actor(self) -> str:
        """How the audit log names this contact."""
        return f"contact:{self.contact['id']}"


def _mac(secret: bytes, link_id: int, expires: int) -> str:
    return hmac.new(secret, f"session:{link_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def open_session(request: Request, response: Response, link_id: int) -> None:
    """Set the session cookie of a freshly exchanged link (HttpOnly, SameSite=Lax, Secure on https)."""
    ttl = int(settings(request).session_ttl.total_seconds())
    expires = int(time.time()) + ttl
    value = f"{link_id}.{expires}.{_mac(settings(request).secret_key, link_id, expires)}"
    response.set_cookie(COOKIE, value, max_age=ttl, path=base(request) + "/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")


def _session_link(request: Request) -> int | None:
    parts = request.cookies.get(COOKIE, "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    link_id, expires = int(parts[0]), int(parts[1])
    if expires < time.time() or not hmac.compare_digest(parts[2], _mac(settings(request).secret_key, link_id,
                                                                        expires)):
        return None
    return link_id


_KEYS = ("id", "entity_id", "role", "first_name", "surname", "email", "organization_id")


def current_contact(request: Request) -> ContactSession:
    """FastAPI dependency: the contact of the session cookie, else 401."""
    link_id = _session_link(request)
    if link_id is not None:
        with warehouse(request) as conn:
            contact_id = link_in_force(conn, link_id)
            row = conn.execute(
                "SELECT c.id, c.entity_id, c.role, c.first_name, c.surname, c.email, e.organization_id"
                "  FROM contact c JOIN entity e ON e.id = c.entity_id WHERE c.id = %s", (contact_id,)
            ).fetchone() if contact_id else None
        if row is not None:
            return ContactSession(link_id, dict(zip(_KEYS, row, strict=True)))
    raise HTTPException(401, "session expirée ou révoquée : ouvrez un nouveau lien personnel")


Contact = Annotated[ContactSession, Depends(current_contact)]
"""A route parameter typed `Contact` receives the contact of the session (else 401)."""


def entities_of(conn: Any, contact: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(id, name, autonomous) of the entities a contact may act for."""
    if contact["role"] == "group_referent":
        rows = conn.execute(
            "SELECT id, name, autonomous FROM entity WHERE organization_id = %s"
            " AND (NOT autonomous OR id = %s) ORDER BY parent_id NULLS FIRST, id",
            (contact["organization_id"], contact["entity_id"])).fetchall()
    else:
        rows = conn.execute("SELECT id, name, autonomous FROM entity WHERE id = %s",
                            (contact["entity_id"],)).fetchall()
    return [tuple(r) for r in rows]


def allowed_entity(conn: Any, contact: dict[str, Any], entity_id: str) -> None:
    """403 unless the contact may act for this entity."""
    if entity_id not in {e[0] for e in entities_of(conn, contact)}:
        raise HTTPException(403, "cette entité n'est pas de votre ressort")


def mandate_for(conn: Any, contact: dict[str, Any], mandate_id: str) -> Any:
    """The mandate, if the contact may act on it (404 unknown, 403 not theirs)."""
    try:
        mandate = get_mandate(conn, mandate_id)
    except MandateError:
        raise HTTPException(404, "mandat inconnu") from None
    allowed_entity(conn, contact, mandate.entity_id)
    return mandate
