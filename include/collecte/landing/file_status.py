"""The file-status table: every file seen on a file exchange, step by step, and the sequence gaps.

One writer for `file_status`. A file's row is written as soon as it lands (status `landed`, with
its raw key and the run that landed it), before the file is archived on the server; the archive
step then records where the file went (`archived_path`). So no file is ever archived without a
status, and a retry of the run finds, through `landed_in_run`, every file the run landed, even
those an interrupted attempt already archived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STATUSES = ("landed", "duplicate", "missing", "rejected", "waiting", "no_consent", "error")


@dataclass(frozen=True)
class FileStatus:
    """One row of `file_status`."""

    source: str
    kind: str
    file_name: str
    remote_path: str
    status: str  # one of STATUSES
    sequence_number: int | None = None
    sha256: str | None = None
    raw_key: str | None = None
    detail: str | None = None
    run_id: str | None = None


def record(conn: Any, rows: Iterable[FileStatus]) -> None:
    """Insert or update rows; a file already landed keeps `landed` when seen again as a duplicate."""
    params = [(row.source, row.kind, row.file_name, row.remote_path, row.sequence_number, row.sha256,
               row.raw_key, row.status, row.detail, row.run_id) for row in rows]
    if not params:
        return
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO file_status (source, kind, file_name, remote_path, sequence_number, sha256,
                                     raw_key, status, detail, run_id)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (source, file_name) DO UPDATE SET
                kind = EXCLUDED.kind,
                sequence_number = COALESCE(EXCLUDED.sequence_number, file_status.sequence_number),
                sha256 = COALESCE(EXCLUDED.sha256, file_status.sha256),
                raw_key = COALESCE(EXCLUDED.raw_key, file_status.raw_key),
                status = CASE WHEN file_status.status = 'landed' AND EXCLUDED.status = 'duplicate'
                              THEN 'landed' ELSE EXCLUDED.status END,
                detail = CASE WHEN file_status.status = 'landed' AND EXCLUDED.status = 'duplicate'
                              THEN file_status.detail ELSE EXCLUDED.detail END,
                run_id = COALESCE(EXCLUDED.run_id, file_status.run_id),
                updated_at = now()
            WHERE (file_status.status, file_status.detail, file_status.run_id)
                  IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.detail, COALESCE(EXCLUDED.run_id, file_status.run_id))
            """,
            params,
        )


def mark_archived(conn: Any, source: str, file_name: str, archived_path: str) -> None:
    """Record where a landed file was moved on the server."""
    with conn.transaction():
        conn.execute("UPDATE file_status SET archived_path = %s, archived_at = now(), updated_at = now()"
                     " WHERE source = %s AND file_name = %s", (archived_path, source, file_name))


def first_landed_as(conn: Any, source: str, sha256: str) -> str | None:
    """The file name this content first landed under (None if no file landed it yet)."""
    row = conn.execute("SELECT file_name FROM file_status WHERE source = %s AND sha256 = %s AND status = 'landed'"
                       " ORDER BY first_seen, file_name LIMIT 1", (source, sha256)).fetchone()
    return row[0] if row else None


def landed_in_run(conn: Any, source: str, run_id: str) -> list[dict[str, Any]]:
    """Raw-object references of every file a run landed (for a retry to hand them on)."""
    rows = conn.execute("SELECT file_name, kind, raw_key FROM file_status WHERE source = %s AND run_id = %s"
                        " AND status IN ('landed', 'duplicate') AND raw_key IS NOT NULL ORDER BY file_name",
                        (source, run_id)).fetchall()
    return [{"key": key, "kind": kind, "account": _account(key), "created": False, "name": name}
            for name, kind, key in rows]


def _account(raw_key: str) -> str:
    segment = next((s for s in raw_key.split("/") if s.startswith("account=")), "account=default")
    return segment.removeprefix("account=")


def failed_in_run(conn: Any, source: str, run_id: str) -> list[tuple[str, str]]:
    """(file name, reason) of the files a run could not land or archive."""
    return conn.execute("SELECT file_name, detail FROM file_status WHERE source = %s AND run_id = %s"
                        " AND (status = 'error' OR (status = 'landed' AND archived_path IS NULL))"
                        " ORDER BY file_name", (source, run_id)).fetchall()


def sequence_numbers(conn: Any, source: str, kind: str) -> list[int]:
    """Sequence numbers of the files received (landed or duplicate) for one flow."""
    rows = conn.execute(
        "SELECT sequence_number FROM file_status WHERE source = %s AND kind = %s"
        " AND sequence_number IS NOT NULL AND status IN ('landed', 'duplicate')",
        (source, kind),
    ).fetchall()
    return [r[0] for r in rows]


def record_missing(conn: Any, source: str, kind: str, missing: list[int], name_hint: str) -> None:
    """A `missing` row per sequence number absent from the flow; removed once the file arrives."""
    with conn.transaction():
        conn.execute(
            "DELETE FROM file_status WHERE source = %s AND kind = %s AND status = 'missing'"
            " AND NOT (sequence_number = ANY(%s))",
            (source, kind, missing),
        )
        for number in missing:
            conn.execute(
                """
                INSERT INTO file_status (source, kind, file_name, remote_path, sequence_number, status, detail)
                VALUES (%s, %s, %s, '', %s, 'missing', %s)
                ON CONFLICT (source, file_name) DO NOTHING
                """,
                (source, kind, f"<missing {kind} #{number}>", number,
                 f"sequence number {number} never received ({name_hint})"),
            )
