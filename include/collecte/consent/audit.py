"""The audit trail: who read or changed mandates, credentials and personal data.

Rows name the actor, the action, the object and the client address; `detail` holds identifiers
and field names only, never a secret nor the personal values themselves.
"""

from __future__ import annotations

from typing import Any

import orjson

_FORBIDDEN_KEYS = {"password", "secret", "token", "code", "otp"}


def audit(conn: Any, *, actor: str, action: str, object_type: str, object_id: str,
          ip: str | None = None, **detail: Any) -> None:
    """Append one audit row (in the caller's transaction). Refuses secret-looking detail keys."""
    leaked = _FORBIDDEN_KEYS & {k.lower() for k in detail}
    if leaked:
        raise ValueError(f"audit detail must not carry secrets: {sorted(leaked)}")
    conn.execute(
        "INSERT INTO audit_log (actor, action, object_type, object_id, ip, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
        (actor, action, object_type, object_id, ip, orjson.dumps(detail, default=str).decode()),
    )


def audit_trail(conn: Any, object_type: str, object_id: str) -> list[dict[str, Any]]:
    """Audit rows of one object, oldest first."""
    rows = conn.execute(
        "SELECT at, actor, action, ip, detail FROM audit_log WHERE object_type = %s AND object_id = %s"
        " ORDER BY id", (object_type, object_id)).fetchall()
    return [{"at": at, "actor": actor, "action": action, "ip": ip, "detail": detail}
            for at, actor, action, ip, detail in rows]
