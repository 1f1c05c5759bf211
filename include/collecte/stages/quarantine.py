"""Quarantine of rejected records and files: the bytes and the reason in S3, a row in the warehouse."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from collecte.landing.raw_zone import RawZone


def quarantine_records(
    zone: RawZone, conn: Any, *, raw_key: str, dataset: str, rejects: Iterable[tuple[str, str, str]],
) -> int:
    """Quarantine (record_ref, reason, raw text) rejects of one raw object; return how many."""
    rejects = list(rejects)
    if not rejects:
        return 0
    body = "\n".join(json.dumps({"record": ref, "reason": reason, "content": text}, ensure_ascii=False)
                     for ref, reason, text in rejects).encode()
    key = zone.quarantine(raw_key, body, reason=f"{len(rejects)} {dataset} record(s) rejected",
                          suffix=f".{dataset}.rejects.jsonl")
    with conn.transaction():
        for ref, reason, _ in rejects:
            conn.execute(
                "INSERT INTO quarantine_record (raw_key, record_ref, dataset, reason, quarantine_key)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (raw_key, record_ref, dataset)"
                " DO UPDATE SET reason = EXCLUDED.reason, quarantine_key = EXCLUDED.quarantine_key",
                (raw_key, ref, dataset, reason, key),
            )
    return len(rejects)


def quarantine_file(zone: RawZone, conn: Any, *, raw_key: str, dataset: str, reason: str) -> str:
    """Quarantine a whole raw object (the raw object itself stays in the raw zone)."""
    key = zone.quarantine(raw_key, zone.get(raw_key), reason=reason, suffix=f".{dataset}")
    with conn.transaction():
        conn.execute(
            "INSERT INTO quarantine_record (raw_key, record_ref, dataset, reason, quarantine_key)"
            " VALUES (%s, '*', %s, %s, %s) ON CONFLICT (raw_key, record_ref, dataset)"
            " DO UPDATE SET reason = EXCLUDED.reason, quarantine_key = EXCLUDED.quarantine_key",
            (raw_key, dataset, reason, key),
        )
    return key
