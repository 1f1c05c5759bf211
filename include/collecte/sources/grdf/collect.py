"""Collect one PCE: ADICT answers -> raw zone -> canonical rows -> staged Parquet -> warehouse.

    summary = collect_pce(client, pce, start, end, ["consumption", "daily"], raw_zone, conn)

Only an Active access right whose perimeter covers the data allows a call. No right, or a right
in any other state: the PCE is flagged NO_CONSENT (meter_status) for every kind asked and nothing
is retried. A kind the perimeter or the history depth excludes is skipped with its reason
(OUT_OF_SCOPE). Transient errors are retried by the client; if they persist they are raised
to the caller (the Airflow task retries later; a rerun lands nothing twice).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from collecte.metering import gas
from collecte.sources.grdf.access_rights import AccessRight, access_right_state
from collecte.sources.grdf.bookkeeping import (
    NO_CONSENT,
    OK,
    OUT_OF_SCOPE,
    record_quarantine,
    record_status,
    upsert_access_rights,
)
from collecte.sources.grdf.client import AdictClient
from collecte.sources.grdf.errors import NoActiveAccessRight, OutOfScope
from collecte.sources.grdf.ndjson import NdjsonAnswer
from collecte.sources.grdf.resources import published_window, resource

log = logging.getLogger(__name__)
SOURCE = "grdf"
PARIS = ZoneInfo("Europe/Paris")
NO_ACCESS_RIGHT = "NO_ACCESS_RIGHT"


@dataclass
class KindSummary:
    """What one data kind of one PCE gave."""

    status: str = OK                 # OK | NO_CONSENT | OUT_OF_SCOPE
    reason: str | None = None
    raw_keys: list[str] = field(default_factory=list)
    raw_created: int = 0
    staged_keys: list[str] = field(default_factory=list)
    new_staged: list[dict[str, str]] = field(default_factory=list)   # {"key", "raw_key"} written now
    records: int = 0
    rows_changed: int = 0
    quarantined: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class PceSummary:
    """What collecting one PCE gave: references and counts only (fit for XCom)."""

    pce: str
    status: str = OK                 # OK | NO_ACCESS_RIGHT
    reason: str | None = None
    access_right: str | None = None  # id and state, e.g. "DA00000001 Active"
    kinds: dict[str, KindSummary] = field(default_factory=dict)

    @property
    def rows_changed(self) -> int:
        """Rows changed in the warehouse over every kind."""
        return sum(k.rows_changed for k in self.kinds.values())

    @property
    def raw_created(self) -> int:
        """Raw objects created over every kind."""
        return sum(k.raw_created for k in self.kinds.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able dict (XCom)."""
        return asdict(self) | {"rows_changed": self.rows_changed, "raw_created": self.raw_created}


def collect_pce(client: AdictClient, pce: str, start: date, end: date, kinds: list[str] | tuple[str, ...],
                raw_zone: Any, conn: Any, *, access_right: AccessRight | None = None,
                rights_listed: bool = False, published_lookback_months: int | None = None, today: date | None = None) -> PceSummary:
    """Collect `kinds` of `pce` over the Paris days [start, end); see the module docstring.

    `access_right` saves the listing call when the caller already listed a batch (then
    `rights_listed=True` and None means no right was declared);
    `published_lookback_months` widens published data back to the first of an earlier month
    (daily runs: late publications, provisional -> definitive).
    """
    today = today or datetime.now(PARIS).date()
    summary = PceSummary(pce)
    if not kinds:
        return summary
    for kind in kinds:
        resource(kind)  # unknown kinds fail before any call
    right = access_right if access_right is not None or rights_listed else access_right_state(client, pce)
    if right is not None:
        upsert_access_rights(conn, [right])
        summary.access_right = f"{right.id} {right.state}"
    if right is None or not right.active:
        reason = right.refusal(kinds[0]) if right is not None else f"no GRDF access right declared on {pce}"
        return _flag(conn, summary, kinds, reason)
    contract_answers: dict[str, tuple[NdjsonAnswer, str]] = {}
    for kind in kinds:
        ks = summary.kinds[kind] = KindSummary()
        first, last = (published_window(start, end, published_lookback_months)
                       if kind == "consumption" and published_lookback_months else (start, end))
        refusal = right.refusal(kind, first, last)
        if refusal:
            _skip(conn, pce, kind, ks, refusal)
            continue
        try:
            if resource(kind).is_consumption:
                clipped = right.clip(first, last)
                if clipped != (first, last):
                    ks.notes.append(f"access right {right.id} perimeter: {kind} asked for "
                                    f"{clipped[0].isoformat()} to {clipped[1].isoformat()} only")
                _consumption(client, pce, kind, *clipped, raw_zone, conn, ks, today)
            else:
                answer = client.point_data(kind, pce)
                contract_answers[kind] = (answer, _land(raw_zone, client, pce, kind, answer, ks, today, None))
        except NoActiveAccessRight as exc:
            return _flag(conn, summary, kinds, str(exc))
        except OutOfScope as exc:
            _skip(conn, pce, kind, ks, str(exc))
            continue
        if kind not in contract_answers:
            record_status(conn, pce, kind, OK, "; ".join(ks.notes) or None)
    if contract_answers:
        _contract(conn, pce, contract_answers, summary)
    return summary


def _flag(conn: Any, summary: PceSummary, kinds: Any, reason: str) -> PceSummary:
    log.warning("GRDF %s: not collected, %s", summary.pce, reason)
    summary.status, summary.reason = NO_ACCESS_RIGHT, reason
    for kind in kinds:
        summary.kinds[kind] = KindSummary(status=NO_CONSENT, reason=reason)
        record_status(conn, summary.pce, kind, NO_CONSENT, reason)
    return summary


def _skip(conn: Any, pce: str, kind: str, ks: KindSummary, reason: str) -> None:
    log.info("GRDF %s %s: skipped, %s", pce, kind, reason)
    ks.status, ks.reason = OUT_OF_SCOPE, reason
    record_status(conn, pce, kind, OUT_OF_SCOPE, reason)


def _land(raw_zone: Any, client: AdictClient, pce: str, kind: str, answer: NdjsonAnswer,
          ks: KindSummary, today: date, span: tuple[date, date] | None) -> str:
    res = resource(kind)
    query = f"?date_debut={span[0].isoformat()}&date_fin={span[1].isoformat()}" if span else ""
    name = f"{res.path}_{pce}" + (f"_{span[0].isoformat()}_{span[1].isoformat()}" if span else "") + ".ndjson"
    landed = raw_zone.land(answer.raw, source=SOURCE, kind=res.raw_kind, account=pce, received=today,
                           ext="ndjson", original_name=name, origin=f"{client.api_url}/pce/{pce}/{res.path}{query}",
                           extra_metadata={"records": str(len(answer.records))})
    ks.raw_keys.append(landed.key)
    ks.raw_created += int(landed.created)
    return landed.key


def _consumption(client: AdictClient, pce: str, kind: str, start: date, end: date, raw_zone: Any, conn: Any,
                 ks: KindSummary, today: date) -> None:
    answers, note = client.consumption(kind, pce, start, end, today=today)
    if note:
        ks.notes.append(note)
    label = "published" if kind == "consumption" else "informative"
    for first, last, answer in answers:
        raw_key = _land(raw_zone, client, pce, kind, answer, ks, today, (first, last))
        ks.notes.extend(gas.restitution_notes(answer.records))
        rows, rejected = gas.parse_consumption(answer.records, kind=label, raw_key=raw_key)
        ks.records += len(rows)
        if rejected:
            body = b"\n".join(orjson.dumps({"line": r.line, "reason": r.reason, "record": r.record})
                              for r in rejected)
            qkey = raw_zone.quarantine(raw_key, body, reason=f"{len(rejected)} {label} record(s) failed checks",
                                       suffix=".rejected.ndjson")
            record_quarantine(conn, raw_key, qkey, [(r.line, r.reason) for r in rejected])
            ks.quarantined += len(rejected)
            log.warning("GRDF %s %s: %d record(s) quarantined: %s", pce, kind, len(rejected), rejected[0].reason)
        ks.notes.extend(gas.continuity_gaps(rows))
        if rows:
            staged = gas.staged_key(raw_key)
            if not raw_zone.keys(staged):
                raw_zone.put(staged, gas.to_parquet(rows), content_type="application/vnd.apache.parquet",
                             metadata={"raw-key": raw_key})
                ks.new_staged.append({"key": staged, "raw_key": raw_key})
            ks.staged_keys.append(staged)
            ks.rows_changed += gas.upsert_consumption(conn, rows).changed


def _contract(conn: Any, pce: str, answers: dict[str, tuple[NdjsonAnswer, str]], summary: PceSummary) -> None:
    contract = answers.get("contract")
    technical = answers.get("technical")
    shared, gas_row = gas.contract_rows(
        pce,
        contract=contract[0].records[0] if contract and contract[0].records else None,
        contract_raw_key=contract[1] if contract else None,
        technical=technical[0].records[0] if technical and technical[0].records else None,
        technical_raw_key=technical[1] if technical else None,
        valid_at=None,  # ADICT gives no validity date; a dated value would change every day
    )
    changed = gas.upsert_contract(conn, shared, gas_row)
    for kind in answers:
        summary.kinds[kind].records = 1
        record_status(conn, pce, kind, OK)
    first = next(iter(answers))
    summary.kinds[first].rows_changed += changed
