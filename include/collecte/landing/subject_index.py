"""The index of the objects of each data subject (table `subject_object`), written as they land.

A subject is what a raw object is collected for: a supplier account or a meter, named as in
`mandate_scope` (source = supplier or operator code, subject_id = account id or PRM/PCE). The raw
zone records a raw object under its subject before writing it (so no object exists unindexed),
and a derived object mixing subjects (a staged batch) under each of them. Erasure reads it to find
a subject's objects without scanning the bucket.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class SubjectIndex(Protocol):
    """Where the raw zone records whose objects it writes."""

    def record(self, object_key: str, subjects: Iterable[tuple[str, str]]) -> None: ...


def record_subjects(conn: Any, object_key: str, subjects: Iterable[tuple[str, str]]) -> None:
    """Insert (source, subject_id) -> object_key rows (idempotent)."""
    rows = [(source, subject_id, object_key) for source, subject_id in sorted(set(subjects))]
    if rows:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO subject_object (source, subject_id, object_key) VALUES (%s, %s, %s)"
                            " ON CONFLICT DO NOTHING", rows)


class WarehouseSubjectIndex:
    """The index in the warehouse, on a connection of its own in autocommit mode: an index row
    outlives whatever the task's own transaction does, so every object written has its row."""

    def __init__(self, warehouse_url: str) -> None:
        self.warehouse_url = warehouse_url
        self._conn: Any = None

    def record(self, object_key: str, subjects: Iterable[tuple[str, str]]) -> None:
        """Record the object under each subject."""
        if self._conn is None or self._conn.closed:
            from collecte.warehouse.db import connect

            self._conn = connect(self.warehouse_url, autocommit=True)
        record_subjects(self._conn, object_key, subjects)

    def close(self) -> None:
        """Close the index's connection."""
        if self._conn is not None:
            self._conn.close()


def objects_of(conn: Any, subjects: Iterable[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """Object key -> the subjects it is indexed under, for every object of the given subjects."""
    pairs = sorted(set(subjects))
    if not pairs:
        return {}
    rows = conn.execute(
        "SELECT o.object_key, o.source, o.subject_id FROM subject_object o"
        " WHERE o.object_key IN (SELECT object_key FROM subject_object s"
        "   JOIN unnest(%s::text[], %s::text[]) AS w(source, subject_id) USING (source, subject_id))"
        " ORDER BY 1, 2, 3", ([p[0] for p in pairs], [p[1] for p in pairs])).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for key, source, subject_id in rows:
        found.setdefault(key, []).append((source, subject_id))
    return found
