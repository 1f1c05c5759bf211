"""Quarantine of rejected records and files, through the one quarantine (collecte.quality.quarantine).

Kept for the supplier stages that call it; the key layout and the `quarantine_record` rows are the
ones `reprocess_quarantine` reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from collecte.landing.raw_zone import RawZone


def quarantine_records(
    zone: RawZone, conn: Any, *, raw_key: str, dataset: str, rejects: Iterable[tuple[str, str, str]],
) -> int:
    """Quarantine (record_ref, reason, raw text) rejects of one raw object; return how many."""
    from collecte.quality.quarantine import quarantine_rejects

    with conn.transaction():
        receipt = quarantine_rejects(zone, conn, raw_key=raw_key, dataset=dataset, rejects=rejects)
    return receipt.rows if receipt else 0


def quarantine_file(zone: RawZone, conn: Any, *, raw_key: str, dataset: str, reason: str) -> str:
    """Quarantine a whole raw object (the raw object itself stays in the raw zone)."""
    from collecte.quality.quarantine import quarantine_batch

    with conn.transaction():
        return quarantine_batch(zone, conn, dataset=dataset, raw_key=raw_key, reason=reason).quarantine_key
