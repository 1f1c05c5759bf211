"""Streaming parse of ADICT's NDJSON answers, with the final status line checked.

ADICT answers one JSON object per line and ends with a status object
(`code_statut_traitement`, "0000000000" on success; ../shared/DOMAIN.md). An answer whose last
line is not that status object was cut short: it raises `TruncatedStream` (retried by the client)
and is never taken as complete data. The raw bytes are kept so that exactly what ADICT sent lands
in the raw zone.

Where the sources disagree: contract and technical answers are read by lowatt-grdf as exactly
ONE object (`(payload,) = self.get(...)`), so they carry no status line; `require_status=False`
reads them (one object, an optional status line). A public Haskell client reports status objects
interleaved with data: a successful one in the middle is skipped, a failed one is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from collecte.sources.grdf.errors import OK_STATUS, ProtocolError, TruncatedStream

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


def read_ndjson(chunks: Iterable[bytes], *, what: str = "answer", require_status: bool = True) -> NdjsonAnswer:
    """Parse an NDJSON byte stream line by line; raise unless it ends with a status line
    (or, `require_status=False`, unless it holds exactly one complete object)."""
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
                if str(last[STATUS_KEY]) != OK_STATUS:
                    raise ProtocolError(f"ADICT {what}: failed status {last[STATUS_KEY]} followed by "
                                        f"more data (line {number})")
            else:
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
    if not require_status:
        if last is not None and STATUS_KEY not in last:
            records.append(last)
            last = {STATUS_KEY: OK_STATUS}
        if len(records) != 1 or last is None:
            raise TruncatedStream(f"ADICT {what}: {len(records)} object(s) where exactly one was expected")
        return NdjsonAnswer(records, last, bytes(raw))
    if last is None or STATUS_KEY not in last:
        if last is not None:
            records.append(last)
        raise TruncatedStream(f"ADICT {what}: no final status line after {len(records)} records "
                              "(truncated answer)")
    return NdjsonAnswer(records, last, bytes(raw))
