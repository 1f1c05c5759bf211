"""The incident register: opened once, refreshed while seen, closed when the situation clears.

The one writer of the `incident` table. `sync` is idempotent: running it at every retry or every
run of the alert DAG opens nothing twice (a partial unique index allows one open incident per key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from collecte.alerts.detect import Incident


@dataclass(frozen=True)
class OpenIncident:
    """An incident as stored: what the notifiers send."""

    id: int
    key: str
    kind: str
    subject: str
    summary: str
    detail: dict[str, Any]
    organization_id: str | None
    opened_at: datetime
    notified_via: tuple[str, ...] = ()


def sync(conn: Any, found: list[Incident], scanned_kinds: list[str], now: datetime) -> tuple[int, int]:
    """Open the incidents not yet open, refresh those still seen, close those of the scanned kinds no
    longer seen. Returns (opened, closed)."""
    opened = 0
    with conn.transaction():
        for incident in found:
            cur = conn.execute(
                """INSERT INTO incident (incident_key, kind, subject, summary, detail, organization_id, opened_at,
                                         last_seen_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (incident_key) WHERE closed_at IS NULL
                   DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, summary = EXCLUDED.summary,
                                 detail = EXCLUDED.detail
                   RETURNING (xmax = 0)""",
                (incident.key, incident.kind, incident.subject, incident.summary, Jsonb(incident.detail),
                 incident.organization_id, now, now))
            opened += bool(cur.fetchone()[0])
        closed = conn.execute(
            "UPDATE incident SET closed_at = %s WHERE closed_at IS NULL AND kind = ANY(%s) "
            "AND NOT (incident_key = ANY(%s))", (now, scanned_kinds, [i.key for i in found])).rowcount
    return opened, closed


def record_run_failure(conn: Any, dag_id: str, run_id: str, summary: str, detail: dict[str, Any]) -> bool:
    """Open a `run_failed` incident for one DAG run (once, however often the callback fires)."""
    cur = conn.execute(
        """INSERT INTO incident (incident_key, kind, subject, summary, detail) VALUES (%s, 'run_failed', %s, %s, %s)
           ON CONFLICT (incident_key) WHERE closed_at IS NULL DO NOTHING""",
        (f"run_failed:{dag_id}/{run_id}", f"{dag_id}/{run_id}", summary, Jsonb(detail)))
    return cur.rowcount == 1


def close_run_failures(conn: Any, dag_id: str) -> int:
    """A successful run of a DAG closes the failures of its earlier runs."""
    return conn.execute("UPDATE incident SET closed_at = now() WHERE kind = 'run_failed' AND closed_at IS NULL "
                        "AND subject LIKE %s", (dag_id.replace("_", r"\_") + "/%",)).rowcount


_COLUMNS = "id, incident_key, kind, subject, summary, detail, organization_id, opened_at, notified_via"


def _rows(cur: Any) -> list[OpenIncident]:
    return [OpenIncident(*row[:-1], notified_via=tuple(row[-1])) for row in cur.fetchall()]


def unnotified(conn: Any, kinds: list[str] | None = None, limit: int = 200) -> list[OpenIncident]:
    """Open incidents no channel has announced yet, oldest first (bounded per run)."""
    return _rows(conn.execute(
        f"SELECT {_COLUMNS} FROM incident WHERE closed_at IS NULL AND notified_at IS NULL AND (%s::text[] IS NULL OR kind = ANY(%s)) "
        "ORDER BY opened_at, id LIMIT %s", (kinds, kinds, limit)))


def open_incidents(conn: Any) -> list[OpenIncident]:
    """Every open incident (the digest)."""
    return _rows(conn.execute(
        f"SELECT {_COLUMNS} FROM incident WHERE closed_at IS NULL ORDER BY kind, opened_at"))


def mark_sent(conn: Any, incident_id: int, channel: str, channels: list[str]) -> None:
    """Record that `channel` took the alert (never sent there again); once every one of `channels`
    has, the incident is notified."""
    conn.execute(
        """UPDATE incident SET notified_via = array_append(notified_via, %(channel)s),
                  notified_at = CASE WHEN array_append(notified_via, %(channel)s) @> %(all)s THEN now() END
            WHERE id = %(id)s AND NOT (%(channel)s = ANY(notified_via))""",
        {"channel": channel, "all": channels, "id": incident_id})
