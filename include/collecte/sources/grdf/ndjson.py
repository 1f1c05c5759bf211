"""Streaming parse of ADICT's NDJSON answers, with the final status line checked.

ADICT answers one JSON object per line and ends with a status object
(`code_statut_traitement`, "0000000000" on success). An answer whose last line is not that status
object was cut short: it raises `TruncatedStream` (retried by the client) and is never taken as
complete data. The raw bytes are kept so that exactly what ADICT sent lands in the raw zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from collecte.sources.grdf.errors import ProtocolError, TruncatedStream

STATUS_KEY = "code_statut_traitement"


@dataclass
class NdjsonAnswer:
    """One complete ADICT answer: its records, its status line and its exact bytes."""

    records: list[dict[str, Any]]
    status: dict[str, Any]
    raw: bytes = field(repr=False)

    @property
    def code(self) -> str:
        """`code_statut_traitement` of the status line."""
        return str(self.status.get(STATUS_KEY))


def _parse(line: bytes, number: int) -> dict[str, Any]:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"ADICT answer line {number} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ProtocolError(f"ADICT answer line {number} is not a JSON object")
    return value


def read_ndjson(chunks: Iterable[bytes], *, what: str = "answer") -> NdjsonAnswer:
    """Parse an NDJSON byte stream line by line; raise unless it ends with a status line."""
    records: list[dict[str, Any]] = []
    raw = bytearray()
    pending = b""
    last: dict[str, Any] | None = None
    number = 0

    def take(line: bytes) -> None:
        nonlocal last, number
        if not line.strip():
            return
        number += 1
        if last is not None:
            if STATUS_KEY in last:
                raise ProtocolError(f"ADICT {what}: status line followed by more data (line {number})")
            records.append(last)
        last = _parse(line, number)

    for chunk in chunks:
        raw += chunk
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            take(line)
    try:
        take(pending)
    except ProtocolError:
        raise TruncatedStream(f"ADICT {what}: stream cut in the middle of line {number}; "
                              f"{len(records)} records read, no status line") from None
    if last is None or STATUS_KEY not in last:
        if last is not None:
            records.append(last)
        raise TruncatedStream(f"ADICT {what}: no final status line after {len(records)} records "
                              "(truncated answer)")
    return NdjsonAnswer(records, last, bytes(raw))
