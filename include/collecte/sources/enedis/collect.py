"""Collecting one meter from Data Connect into the raw zone, with every error given its meaning.

For each data kind and direction, the span is cut into calls (newest first); each answer lands
unchanged in the raw zone (`raw/source=enedis/kind=<resource>/account=<PRM>/…`). Then:

- no consent / moved out → the meter is flagged for every kind and nothing else is asked;
- history wall (before activation, history limit, before consent) → the day is remembered
  (`meter_status.not_before`), paging back stops, later runs do not ask again; before the meter's
  last activation, the day comes from `synth_contrat_auto` (`consumption_last_activation_date`,
  `generation_last_activation_date` for production);
- no data → a gap is recorded, the next call goes on;
- load curve not activated (ADAM-ERR0075) → that kind is flagged CURVE_NOT_ACTIVATED, not retried;
- API not subscribed (900908) → that kind is flagged API_NOT_SUBSCRIBED (an operator configuration
  problem: the batch alerts and fails without retry once every meter was tried);
- wrong direction → that kind is flagged, not retried;
- transient (after the client's own retries) → the meter is marked ERROR and the batch task
  fails at the end so that Airflow retries it (landed objects are not landed twice).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import orjson

from collecte.metering.contract import activation_day
from collecte.sources.enedis.dataconnect import CONTRACT_RESOURCES, MEASURE_PATH, SOURCE, DataConnectClient
from collecte.sources.enedis.errors import (
    ApiNotSubscribed,
    BeforeActivation,
    CurveNotActivated,
    EnedisError,
    HistoryLimit,
    HistoryWall,
    MovedOut,
    NoConsent,
    NoData,
    Transient,
    WrongDirection,
)
from collecte.sources.enedis.spans import history_start, plan_calls

log = logging.getLogger(__name__)

KIND_RESOURCES: dict[str, dict[str, str]] = {
    "daily": {"CONS": "consommation_quotidienne", "PROD": "production_quotidienne"},
    "load_curve": {"CONS": "courbe_de_charge_consommation", "PROD": "courbe_de_charge_production"},
    "max_power": {"CONS": "puissance_conso_max_quotidienne"},
    "index": {"CONS": "index_consommation", "PROD": "index_production"},
}


@dataclass
class KindOutcome:
    """What happened to one data kind of one meter."""

    # OK, NO_DATA, HISTORY_WALL, WRONG_DIRECTION, CURVE_NOT_ACTIVATED, API_NOT_SUBSCRIBED, NO_CONSENT,
    # MOVED_OUT, ERROR
    status: str = "OK"
    message: str | None = None
    calls: int = 0
    landed: int = 0
    created: int = 0
    gaps: list[tuple[str, str]] = field(default_factory=list)  # (first, last) inclusive, ISO days
    not_before: str | None = None


@dataclass
class MeterOutcome:
    """One meter's collection: landed raw objects (references) and per-kind outcomes."""

    meter_id: str
    refs: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, KindOutcome] = field(default_factory=dict)

    @property
    def transient_failure(self) -> bool:
        """Whether a kind failed for a reason worth retrying."""
        return any(k.status == "ERROR" for k in self.kinds.values())

    @property
    def configuration_problem(self) -> bool:
        """Whether a kind failed because our application lacks an API subscription (never retried)."""
        return any(k.status == "API_NOT_SUBSCRIBED" for k in self.kinds.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (for logs and XCom: references and counts only)."""
        return {"meter_id": self.meter_id, "refs": self.refs,
                "kinds": {k: asdict(v) for k, v in self.kinds.items()}}


class AnswerSink(Protocol):
    """Where answers go: the raw zone (DAGs) or memory (the command line). Same loop, another sink."""

    def keep(self, body: bytes, resource: str, prm: str, first: date | None, end: date | None) -> dict[str, Any]:
        """Keep one answer; a reference `{key, kind, account, created}`."""


@dataclass
class RawZoneSink:
    """Answers land unchanged in the raw zone, `raw/source=enedis/kind=<resource>/account=<PRM>/…`."""

    zone: Any
    received: date

    def keep(self, body: bytes, resource: str, prm: str, first: date | None, end: date | None) -> dict[str, Any]:
        """Land one answer (a rerun finds the same object: created False)."""
        span = f"_{first}_{end}" if first else ""
        origin = MEASURE_PATH.format(resource=resource) + (
            f"?pointId={prm}&dateDebut={first}&dateFin={end}" if first else f" {prm}")
        landed = self.zone.land(body, source=SOURCE, kind=resource, account=prm, received=self.received, ext="json",
                                original_name=f"{resource}_{prm}{span}.json", origin=origin,
                                extra_metadata={"resource": resource, **({"first": str(first), "end": str(end)}
                                                                        if first else {})})
        return {"key": landed.key, "kind": resource, "account": prm, "created": landed.created,
                **({"first": str(first), "end": str(end)} if first else {})}


@dataclass
class MemorySink:
    """Answers kept in memory, keyed like the raw zone would (the command line parses them at once)."""

    bodies: dict[str, bytes] = field(default_factory=dict)

    def keep(self, body: bytes, resource: str, prm: str, first: date | None, end: date | None) -> dict[str, Any]:
        """Keep one answer."""
        key = f"memory/{resource}/{prm}" + (f"/{first}_{end}" if first else "")
        self.bodies[key] = body
        return {"key": key, "kind": resource, "account": prm, "created": True}


def missing_days(body: bytes, first: date, end: date, *, daily: bool) -> list[tuple[str, str]]:
    """Paris days of [first, end) with no point in an answer, as (first, last) runs: gaps to record."""
    try:
        payload = orjson.loads(body)
        stamps = [p["d"] for g in payload.get("grandeur") or [] for p in g.get("points") or []]
        stamps += [v["d"] for c in payload.get("contexte") or [] for g in c.get("grandeur") or []  # index answers
                   for cal in g.get("calendrier") or [] for cls in cal.get("classeTemporelle") or []
                   for v in cls.get("valeur") or [] if v.get("d")]
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return []
    present = set()
    for stamp in stamps:
        day = date.fromisoformat(stamp[:10])
        if not daily and stamp[11:19] == "00:00:00":  # a curve point ending at midnight closes the day before
            day -= timedelta(days=1)
        present.add(day)
    gaps: list[tuple[str, str]] = []
    day = first
    while day < end:
        if day not in present:
            if gaps and date.fromisoformat(gaps[-1][1]) == day - timedelta(days=1):
                gaps[-1] = (gaps[-1][0], day.isoformat())
            else:
                gaps.append((day.isoformat(), day.isoformat()))
        day += timedelta(days=1)
    return gaps


def _activation_date(client: DataConnectClient, prm: str, resource: str) -> date | None:
    direction = "PROD" if "production" in resource else "CONS"
    try:
        synthesis = orjson.loads(client.contract("synth_contrat_auto", prm))
        field_name = "generation_last_activation_date" if direction == "PROD" else "consumption_last_activation_date"
        return activation_day(synthesis.get(field_name) if isinstance(synthesis, dict) else None)
    except (EnedisError, ValueError, orjson.JSONDecodeError):
        return None


def _collect_resource(client: DataConnectClient, zone: AnswerSink, prm: str, resource: str, first: date,
                      last: date,
                      *, today: date, not_before: date | None, outcome: KindOutcome,
                      refs: list[dict[str, Any]]) -> None:
    calls = plan_calls(resource, first, last, today=today, not_before=not_before)
    answered = 0
    for start, end in calls:
        try:
            outcome.calls += 1
            body = client.measure(resource, prm, start, end)
        except CurveNotActivated:
            raise
        except NoData:
            outcome.gaps.append((start.isoformat(), (end - timedelta(days=1)).isoformat()))
            continue
        except HistoryWall as wall:
            outcome.status, outcome.message = "HISTORY_WALL", str(wall)
            boundary = end
            if isinstance(wall, BeforeActivation):
                boundary = _activation_date(client, prm, resource) or end
            elif isinstance(wall, HistoryLimit):
                boundary = max(end, history_start(resource, today) + timedelta(days=1))
            outcome.not_before = max(boundary, date.fromisoformat(outcome.not_before)
                                     if outcome.not_before else boundary).isoformat()
            if start < boundary < end:  # the wall falls inside this call: fetch the part after it
                _collect_resource(client, zone, prm, resource, boundary, end - timedelta(days=1), today=today,
                                  not_before=boundary, outcome=outcome, refs=refs)
            break
        ref = zone.keep(body, resource, prm, start, end)
        outcome.gaps.extend(missing_days(body, start, end, daily=not resource.startswith("courbe")))
        refs.append(ref)
        answered += 1
        outcome.landed += 1
        outcome.created += int(ref["created"])
    if calls and not answered and outcome.status == "OK" and outcome.gaps:
        outcome.status, outcome.message = "NO_DATA", "no data (meter not communicating or recording not activated)"


def _collect_contract(client: DataConnectClient, sink: AnswerSink, prm: str, outcome: KindOutcome,
                      refs: list[dict[str, Any]], resources: tuple[str, ...]) -> None:
    """Each contract API on its own: one not subscribed (900908) does not stop the others."""
    refused = []
    for resource in resources:
        outcome.calls += 1
        try:
            ref = sink.keep(client.contract(resource, prm), resource, prm, None, None)
        except ApiNotSubscribed as exc:
            refused.append(str(exc))
            continue
        refs.append(ref)
        outcome.landed += 1
        outcome.created += int(ref["created"])
    if refused:
        outcome.status, outcome.message = "API_NOT_SUBSCRIBED", "; ".join(refused)


def collect_meter(client: DataConnectClient, zone: Any, meter_id: str, kinds: list[str], first: date,
                  last: date, *, directions: tuple[str, ...] | list[str] = ("CONS",), today: date,
                  received: date | None = None, walls: dict[str, date] | None = None,
                  contract_resources: tuple[str, ...] = CONTRACT_RESOURCES) -> MeterOutcome:
    """Collect `kinds` of one PRM over Paris days [first, last] into `zone` (a raw zone, or any AnswerSink)."""
    sink: AnswerSink = zone if hasattr(zone, "keep") else RawZoneSink(zone, received or today)
    walls = walls or {}
    result = MeterOutcome(meter_id)
    for kind in kinds:
        outcome = result.kinds[kind] = KindOutcome()
        try:
            if kind == "contract":
                _collect_contract(client, sink, meter_id, outcome, result.refs, contract_resources)
                continue
            for direction in directions:
                resource = KIND_RESOURCES[kind].get(direction)
                if resource is None:
                    continue
                _collect_resource(client, sink, meter_id, resource, first, last, today=today,
                                  not_before=walls.get(kind), outcome=outcome, refs=result.refs)
        except NoConsent as exc:
            status = "MOVED_OUT" if isinstance(exc, MovedOut) else "NO_CONSENT"
            for other in kinds:
                result.kinds[other] = KindOutcome(status=status, message=str(exc))
            log.warning("enedis %s: %s; not retried, other kinds skipped", meter_id, exc)
            return result
        except WrongDirection as exc:
            outcome.status, outcome.message = "WRONG_DIRECTION", str(exc)
        except CurveNotActivated as exc:
            outcome.status, outcome.message = "CURVE_NOT_ACTIVATED", str(exc)
        except ApiNotSubscribed as exc:
            outcome.status, outcome.message = "API_NOT_SUBSCRIBED", str(exc)
            log.error("enedis %s %s: %s: an operator configuration problem (subscribe the API on Enedis's "
                      "portal); not retried", meter_id, kind, exc)
        except Transient as exc:
            outcome.status, outcome.message = "ERROR", str(exc)
            log.warning("enedis %s %s: %s (will be retried)", meter_id, kind, exc)
    return result
