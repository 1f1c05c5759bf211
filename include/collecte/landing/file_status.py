"""The file-status table: every file seen on a file exchange, and the sequence numbers missing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FileStatus:
    """One row of `file_status`."""

    source: str
    kind: str
    file_name: str
    remote_path: str
    status: str  # landed | duplicate | missing | rejected | waiting
    sequence_number: int | None = None
    sha256: str | None = None
    raw_key: str | None = None
    detail: str | None = None


def record(conn: Any, rows: Iterable[FileStatus]) -> None:
    """Insert or update rows; a file already landed keeps `landed` when seen again as a duplicate."""
    params = [(row.source, row.kind, row.file_name, row.remote_path, row.sequence_number, row.sha256,
               row.raw_key, row.status, row.detail) for row in rows]
    if not params:
        return
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO file_status (source, kind, file_name, remote_path, sequence_number, sha256,
                                     raw_key, status, detail)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (source, file_name) DO UPDATE SET
                kind = EXCLUDED.kind,
                sequence_number = COALESCE(EXCLUDED.sequence_number, file_status.sequence_number),
                sha256 = COALESCE(EXCLUDED.sha256, file_status.sha256),
                raw_key = COALESCE(EXCLUDED.raw_key, file_status.raw_key),
                status = CASE WHEN file_status.status = 'landed' AND EXCLUDED.status = 'duplicate'
                              THEN 'landed' ELSE EXCLUDED.status END,
                detail = EXCLUDED.detail,
                updated_at = now()
            WHERE (file_status.status, file_status.detail) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.detail)
            """,
            params,
        )


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
