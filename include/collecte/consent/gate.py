"""The collection gate: which meters and supplier accounts may be collected, for which data kind.

Every collection task asks the gate before touching an operator endpoint or a supplier portal::

    decision = collectable_meters(conn, operator="enedis", data_kind="load_curve",
                                  on=day, candidates=["30001234567890", ...])
    decision.allowed   # ids that may be collected, in candidate order
    decision.refused   # id -> reason ("no valid mandate", "mandate revoked on 2026-10-02", ...)

A candidate is allowed when a *signed* mandate covers it (a `mandate_scope` row for that
operator or supplier), `on` lies within [start_date, end_date], and the mandate's data kinds
include `data_kind`. The gate reads the warehouse every time it is asked, so a revocation stops
collection at the next check. Refused candidates are skipped by the caller with the reason
(logged, and recorded as NO_CONSENT by each road's status writer).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

log = logging.getLogger(__name__)

DATA_KINDS: tuple[str, ...] = (
    "invoices", "consumption", "daily", "load_curve", "max_power", "index", "contract",
    "technical", "telereleve",
)
NO_VALID_MANDATE = "no valid mandate"


@dataclass(frozen=True)
class GateDecision:
    """What the gate allows: `allowed` in candidate order, `refused` id -> reason."""

    allowed: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)

    def log_refusals(self, logger: logging.Logger | None = None, *, what: str = "") -> None:
        """Log one line per refused id with its reason (identifiers only, no personal data)."""
        for target, reason in self.refused.items():
            (logger or log).warning("consent gate: skipping %s%s: %s", what and what + " ", target, reason)


@dataclass(frozen=True)
class _MandateRow:
    status: str
    start_date: date
    end_date: date
    data_kinds: tuple[str, ...]
    revoked_at: Any


def collectable_meters(conn: Any, *, operator: str, data_kind: str, on: date,
                       candidates: Sequence[str]) -> GateDecision:
    """Meters (PRM / PCE) of `operator` that may be collected for `data_kind` on day `on`."""
    return _decide(conn, "meter", operator, data_kind, on, candidates)


def collectable_accounts(conn: Any, *, supplier: str, data_kind: str, on: date,
                         candidates: Sequence[str]) -> GateDecision:
    """Supplier accounts of `supplier` that may be collected for `data_kind` on day `on`."""
    return _decide(conn, "account", supplier, data_kind, on, candidates)


def _decide(conn: Any, target_type: str, source: str, data_kind: str, on: date,
            candidates: Sequence[str]) -> GateDecision:
    if data_kind not in DATA_KINDS:
        raise ValueError(f"consent gate: unknown data kind {data_kind!r}; expected one of {DATA_KINDS}")
    ids = list(dict.fromkeys(str(c) for c in candidates))
    mandates = _mandates_covering(conn, target_type, source, ids)
    allowed: list[str] = []
    refused: dict[str, str] = {}
    for target in ids:
        reason = _refusal(mandates.get(target, []), data_kind, on)
        if reason is None:
            allowed.append(target)
        else:
            refused[target] = reason
    return GateDecision(allowed, refused)


def _mandates_covering(conn: Any, target_type: str, source: str,
                       ids: list[str]) -> dict[str, list[_MandateRow]]:
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT s.target_id, m.status, m.start_date, m.end_date, m.data_kinds, m.revoked_at"
        "  FROM mandate_scope s JOIN mandate m ON m.id = s.mandate_id"
        " WHERE s.target_type = %s AND s.source = %s AND s.target_id = ANY(%s)",
        (target_type, source, ids),
    ).fetchall()
    found: dict[str, list[_MandateRow]] = {}
    for target, status, start, end, kinds, revoked_at in rows:
        found.setdefault(target, []).append(_MandateRow(status, start, end, tuple(kinds or ()), revoked_at))
    return found


def _refusal(mandates: Iterable[_MandateRow], data_kind: str, on: date) -> str | None:
    """None when one mandate allows collection, else the most telling reason it is refused."""
    mandates = list(mandates)
    in_force = [m for m in mandates if m.status == "signed" and m.start_date <= on <= m.end_date]
    if any(data_kind in m.data_kinds for m in in_force):
        return None
    if in_force:
        return f"scope excludes {data_kind}"
    revoked = [m for m in mandates if m.status == "revoked"]
    if revoked:
        last = max(revoked, key=lambda m: (m.revoked_at is not None, m.revoked_at or 0))
        day = last.revoked_at.date().isoformat() if last.revoked_at else "an unknown date"
        return f"mandate revoked on {day}"
    signed = [m for m in mandates if m.status in ("signed", "expired")]
    ended = [m for m in signed if m.end_date < on]
    future = [m for m in signed if m.start_date > on]
    if future:
        return f"mandate starts on {min(m.start_date for m in future).isoformat()}"
    if ended:
        return f"mandate expired on {max(m.end_date for m in ended).isoformat()}"
    if any(m.status == "draft" for m in mandates):
        return "mandate not signed yet"
    return NO_VALID_MANDATE
