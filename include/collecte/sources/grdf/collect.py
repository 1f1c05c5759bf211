"""Collect one PCE: ADICT answers -> raw zone (and statuses). Parsing, checks and loads are the stage's.

    summary = collect_pce(client, pce, start, end, ["consumption", "daily"], raw_zone, conn)
    load_gas(raw_zone, conn, summary.refs())           # collecte.stages.metering: parse -> GX check -> load

Only an Active access right whose perimeter covers the data allows a call. No right, or a right
in any other state: the PCE is flagged NO_CONSENT (meter_status) for every kind asked and nothing
is retried. A kind the perimeter or the history depth excludes is skipped with its reason
(OUT_OF_SCOPE). Transient errors are retried by the client; if they persist they are raised
to the caller (the Airflow task retries later; a rerun lands nothing twice).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from collecte.metering import gas
from collecte.sources.grdf.access_rights import AccessRight, access_right_state
from collecte.sources.grdf.bookkeeping import (
    NO_CONSENT,
    OK,
    OUT_OF_SCOPE,
    record_status,
    upsert_access_rights,
)
from collecte.sources.grdf.client import AdictClient
from collecte.sources.grdf.errors import NoActiveAccessRight, OutOfScope
from collecte.sources.grdf.ndjson import NdjsonAnswer
from collecte.sources.grdf.resources import published_window, resource

log = logging.getLogger(__name__)
SOURCE = "grdf"
OPERATOR = "grdf"
PARIS = ZoneInfo("Europe/Paris")
NO_ACCESS_RIGHT = "NO_ACCESS_RIGHT"


@dataclass
class KindSummary:
    """What one data kind of one PCE gave."""

    status: str = OK                 # OK | NO_CONSENT | OUT_OF_SCOPE
    reason: str | None = None
    raw_keys: list[str] = field(default_factory=list)
    raw_created: int = 0
    spans: list[tuple[str, str, str]] = field(default_factory=list)  # (raw key, first day, last day) landed
    records: int = 0
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
    def raw_created(self) -> int:
        """Raw objects created over every kind."""
        return sum(k.raw_created for k in self.kinds.values())

    def refs(self) -> list[dict[str, str]]:
        """Stage references `{key, kind, account}` of every answer landed (collecte.stages.metering)."""
        return [{"key": key, "kind": resource(kind).raw_kind, "account": self.pce}
                for kind, ks in self.kinds.items() for key in ks.raw_keys]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able dict (XCom)."""
        return asdict(self) | {"raw_created": self.raw_created}


def collect_pce(client: AdictClient, pce: str, start: date, end: date, kinds: list[str] | tuple[str, ...],
                raw_zone: Any, conn: Any, *, access_right: AccessRight | None = None,
                rights_listed: bool = False, published_lookback_months: int | None = None, today: date | None = None,
                run_id: str | None = None) -> PceSummary:
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
        return _flag(conn, summary, kinds, reason, run_id)
    for kind in kinds:
        ks = summary.kinds[kind] = KindSummary()
        first, last = (published_window(start, end, published_lookback_months)
                       if kind == "consumption" and published_lookback_months else (start, end))
        refusal = right.refusal(kind, first, last)
        if refusal:
            _skip(conn, pce, kind, ks, refusal, run_id)
            continue
        try:
            if resource(kind).is_consumption:
                clipped = right.clip(first, last)
                if clipped != (first, last):
                    ks.notes.append(f"access right {right.id} perimeter: {kind} asked for "
                                    f"{clipped[0].isoformat()} to {clipped[1].isoformat()} only")
                _consumption(client, pce, kind, *clipped, raw_zone, ks, today)
            else:
                answer = client.point_data(kind, pce)
                _land(raw_zone, client, pce, kind, answer, ks, today, None)
                ks.records = len(answer.records)
        except NoActiveAccessRight as exc:
            return _flag(conn, summary, kinds, str(exc), run_id)
        except OutOfScope as exc:
            _skip(conn, pce, kind, ks, str(exc), run_id)
            continue
        record_status(conn, pce, kind, OK, "; ".join(ks.notes) or None, run_id=run_id)
    return summary


def _flag(conn: Any, summary: PceSummary, kinds: Any, reason: str, run_id: str | None = None) -> PceSummary:
    log.warning("GRDF %s: not collected, %s", summary.pce, reason)
    summary.status, summary.reason = NO_ACCESS_RIGHT, reason
    for kind in kinds:
        summary.kinds[kind] = KindSummary(status=NO_CONSENT, reason=reason)
        record_status(conn, summary.pce, kind, NO_CONSENT, reason, run_id=run_id)
    return summary


def _skip(conn: Any, pce: str, kind: str, ks: KindSummary, reason: str, run_id: str | None = None) -> None:
    log.info("GRDF %s %s: skipped, %s", pce, kind, reason)
    ks.status, ks.reason = OUT_OF_SCOPE, reason
    record_status(conn, pce, kind, OUT_OF_SCOPE, reason, run_id=run_id)


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


def _consumption(client: AdictClient, pce: str, kind: str, start: date, end: date, raw_zone: Any,
                 ks: KindSummary, today: date) -> None:
    answers, note = client.consumption(kind, pce, start, end, today=today)
    if note:
        ks.notes.append(note)
    for first, last, answer in answers:
        raw_key = _land(raw_zone, client, pce, kind, answer, ks, today, (first, last))
        ks.notes.extend(gas.restitution_notes(answer.records))
        ks.spans.append((raw_key, first.isoformat(), (last - timedelta(days=1)).isoformat()))
        ks.records += len(answer.records)


def collect_batch(client: AdictClient, raw_zone: Any, conn: Any, batch: dict[str, Any], *,
                  published_lookback_months: int | None = None, today: date | None = None,
                  run_id: str | None = None) -> dict[str, Any]:
    """Collect what a batch's window still owes (resume: the ledger knows what was fetched) into the raw zone.

    `batch` is a plan item `{label, first, last, meters: [{id, kinds, resources}]}`. The batch's access
    rights are listed in one call; a PCE whose collection fails is recorded ERROR and the others go
    on; `failed` (retryable) and `fatal` (not) name them, for the caller to raise after loading.
    """
    from collecte.metering.ledger import Landed, record_done, record_landed, still_to_collect
    from collecte.sources.grdf.access_rights import access_rights
    from collecte.sources.grdf.errors import AdictError

    first, last = date.fromisoformat(batch["first"]), date.fromisoformat(batch["last"])
    window = (first, last)
    todo = still_to_collect(conn, OPERATOR, window, batch["meters"])
    pces = [m["id"] for m in batch["meters"] if m["id"] in todo]
    out: dict[str, Any] = {"label": batch["label"], "first": batch["first"], "last": batch["last"],
                           "summaries": [], "failed": {}, "fatal": {},
                           "resumed": [m["id"] for m in batch["meters"] if m["id"] not in todo]}
    if not pces:
        return out
    rights = access_rights(client, pces)
    for pce in pces:
        kinds = [k for k in next(m["kinds"] for m in batch["meters"] if m["id"] == pce) if k in todo[pce]]
        try:
            summary = collect_pce(client, pce, first, last + timedelta(days=1), kinds, raw_zone, conn,
                                  access_right=rights.get(pce), rights_listed=True,
                                  published_lookback_months=published_lookback_months, today=today, run_id=run_id)
        except AdictError as exc:
            log.error("GRDF %s: %s", pce, exc)
            for kind in kinds:
                record_status(conn, pce, kind, "ERROR", str(exc)[:500], run_id=run_id)
            out["failed" if exc.retryable else "fatal"][pce] = str(exc)[:300]
            continue
        landed = []
        for kind, ks in summary.kinds.items():
            res = resource(kind)
            spans = ks.spans or [(key, batch["first"], batch["last"]) for key in ks.raw_keys]
            landed += [Landed(pce, kind, res.raw_kind, date.fromisoformat(a), date.fromisoformat(b), key)
                       for key, a, b in spans]
        record_landed(conn, OPERATOR, window, landed, run_id=run_id)
        record_done(conn, OPERATOR, window, pce, [k for k, ks in summary.kinds.items() if ks.status == OK],
                    run_id=run_id)
        log.info("GRDF %s: %s, %d raw object(s) new%s", pce, summary.status, summary.raw_created,
                 f" ({summary.reason})" if summary.reason else "")
        out["summaries"].append(summary.as_dict())
    log.info("ADICT calls: %s", dict(client.stats))
    return out
