"""The audit trail: who read or changed mandates, credentials and personal data.

Rows name the actor, the action, the object and the client address; `detail` holds identifiers
and field names only, never a secret nor the personal values themselves. The table is
append-only and hash-chained (migration 0412): `verify_chain` recomputes every row's hash here,
independently of the database's trigger, and names the first row that does not match.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import orjson

GENESIS = "0" * 64

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


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: rows checked, and the first broken row with the reason."""

    rows: int
    ok: bool
    broken_id: int | None = None
    reason: str | None = None


def _field(value: str | None) -> str:
    return "~" if value is None else f"{len(value)}:{value}"


def row_hash(prev_hash: str, row: tuple[Any, ...]) -> str:
    """The hash of one row (id, at, actor, action, object_type, object_id, ip, detail as text) after `prev_hash`,
    as migration 0412's trigger computes it."""
    row_id, at, actor, action, object_type, object_id, ip, detail = row
    payload = "|".join([str(row_id), at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), _field(actor),
                        _field(action), _field(object_type), _field(object_id), _field(ip), _field(detail)])
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def verify_chain(conn: Any, batch: int = 10_000) -> ChainReport:
    """Walk the audit log in id order and check every link and every hash."""
    prev, count = GENESIS, 0
    with conn.cursor(name="collecte_audit_verify") as cur:
        cur.itersize = batch
        cur.execute("SELECT id, at, actor, action, object_type, object_id, ip, detail::text, prev_hash, row_hash"
                    " FROM audit_log ORDER BY id")
        for record in cur:
            count += 1
            row, stored_prev, stored_hash = record[:8], record[8], record[9]
            if stored_prev != prev:
                return ChainReport(count, False, row[0], "link broken: a row before it was removed or changed")
            if row_hash(prev, row) != stored_hash:
                return ChainReport(count, False, row[0], "row changed after it was written")
            prev = stored_hash
    return ChainReport(count, True)
