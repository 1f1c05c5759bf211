"""Personal links of contacts: random tokens with an expiry, exchanged once, revoked per contact.

Only the SHA-256 of a token is stored (`contact_link`). A link is good until `expires_at` and for
one exchange: the web app trades it for a session cookie on first use, so the token leaves the
URL that servers and proxies log. Revoking a contact's links also ends the sessions opened with
them (sessions name their link and are checked against it on every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from collecte.consent.audit import audit

LINK_TTL = timedelta(days=7)


class LinkError(RuntimeError):
    """A personal link refused: unknown, expired, revoked or already used."""


@dataclass(frozen=True)
class LinkUse:
    """A link exchanged (or a session checked): which link, which contact."""

    link_id: int
    contact_id: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(conn: Any, contact_id: str, *, actor: str, ttl: timedelta = LINK_TTL,
               now: datetime | None = None) -> str:
    """A new personal link token for a contact (shown once, never stored in clear)."""
    now = now or datetime.now(UTC)
    row = conn.execute("SELECT 1 FROM contact WHERE id = %s AND erased_at IS NULL", (contact_id,)).fetchone()
    if row is None:
        raise LinkError(f"unknown or erased contact {contact_id}")
    token = secrets.token_urlsafe(24)
    link_id = conn.execute(
        "INSERT INTO contact_link (contact_id, token_sha256, created_by, expires_at) VALUES (%s, %s, %s, %s)"
        " RETURNING id", (contact_id, _digest(token), actor, now + ttl)).fetchone()[0]
    audit(conn, actor=actor, action="link.issue", object_type="contact", object_id=contact_id,
          link_id=link_id, expires_at=now + ttl)
    return token


def exchange_link(conn: Any, token: str, *, ip: str | None = None, now: datetime | None = None) -> LinkUse:
    """Use a link once: LinkError when unknown, expired, revoked, used before, or its contact erased."""
    now = now or datetime.now(UTC)
    row = conn.execute(
        "SELECT l.id, l.contact_id, l.expires_at, l.used_at, l.revoked_at, c.erased_at FROM contact_link l"
        " JOIN contact c ON c.id = l.contact_id WHERE l.token_sha256 = %s FOR UPDATE OF l",
        (_digest(token),)).fetchone()
    if row is None:
        raise LinkError("lien inconnu")
    link_id, contact_id, expires_at, used_at, revoked_at, erased_at = row
    if revoked_at is not None or erased_at is not None:
        raise LinkError("lien révoqué")
    if used_at is not None:
        raise LinkError("lien déjà utilisé : demandez un nouveau lien")
    if now >= expires_at:
        raise LinkError("lien expiré : demandez un nouveau lien")
    conn.execute("UPDATE contact_link SET used_at = %s WHERE id = %s", (now, link_id))
    audit(conn, actor=f"contact:{contact_id}", action="link.use", object_type="contact", object_id=contact_id,
          ip=ip, link_id=link_id)
    return LinkUse(link_id, contact_id)


def link_in_force(conn: Any, link_id: int) -> str | None:
    """The contact of a used, unrevoked link whose contact is not erased (a live session), else None."""
    row = conn.execute(
        "SELECT l.contact_id FROM contact_link l JOIN contact c ON c.id = l.contact_id"
        " WHERE l.id = %s AND l.used_at IS NOT NULL AND l.revoked_at IS NULL AND c.erased_at IS NULL",
        (link_id,)).fetchone()
    return row[0] if row else None


def revoke_links(conn: Any, contact_id: str, *, actor: str, ip: str | None = None,
                 now: datetime | None = None) -> int:
    """Revoke every link (and so every session) of a contact; return how many were live."""
    now = now or datetime.now(UTC)
    count = conn.execute("UPDATE contact_link SET revoked_at = %s WHERE contact_id = %s AND revoked_at IS NULL",
                         (now, contact_id)).rowcount
    audit(conn, actor=actor, action="link.revoke", object_type="contact", object_id=contact_id, ip=ip,
          links=count)
    return count
