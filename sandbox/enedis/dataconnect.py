"""Enedis Data Connect 2026 stand-in: token, measures, contract data, subscribed services.

Follows DOMAIN.md: `GET /mesure_synchrone_auto/v2/<resource>?pointId&dateDebut&dateFin` (end
excluded, start < end, end <= today, day D available from D+1), curve calls of at most 7 days,
history limits (curves 24 months + 15 days, daily 36 months + 15 days), contract endpoints with
the PRM in the path, and the error bodies `{error, error_description, error_uri}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import orjson

from sandbox.enedis import measures
from sandbox.enedis.meters import MeterProfile, profile
from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET, SandboxState

PRM_RE = re.compile(r"^\d{14}$")
ERROR_URI = "https://datahub-enedis.fr/data-connect/documentation/erreurs"

CURVES = {"courbe_de_charge_consommation": "CONS", "courbe_de_charge_production": "PROD"}
DAILY = {"consommation_quotidienne": "CONS", "production_quotidienne": "PROD"}
MAXPOWER = {"puissance_conso_max_quotidienne": "CONS"}
INDEXES = {"index_consommation": "CONS", "index_production": "PROD"}
CONTRACT = ("situation_contrat_auto", "synth_contrat_auto", "comptage_auto", "donnees_generales_auto")
CLASS_LABELS = {"BASE": "Base", "HP": "Heures pleines", "HC": "Heures creuses",
                "HPH": "Heures pleines hiver", "HCH": "Heures creuses hiver",
                "HPB": "Heures pleines été", "HCB": "Heures creuses été"}


@dataclass
class Answer:
    """An HTTP answer."""

    status: int
    body: bytes
    headers: dict[str, str]


class ApiError(Exception):
    """An operator error answer."""

    def __init__(self, status: int, code: str, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description
        self.headers = headers or {}

    def answer(self) -> Answer:
        """The JSON error body."""
        body = {"error": self.code, "error_description": self.description, "error_uri": ERROR_URI}
        return Answer(self.status, orjson.dumps(body), {"Content-Type": "application/json", **self.headers})


def _json(payload: Any) -> Answer:
    return Answer(200, orjson.dumps(payload), {"Content-Type": "application/json"})


def local_text(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS` Paris wall-clock time (ambiguous in the repeated autumn hour)."""
    return moment.astimezone(measures.PARIS).strftime("%Y-%m-%d %H:%M:%S")


def _days(first: date, end: date) -> Iterator[date]:
    day = first
    while day < end:
        yield day
        day += timedelta(days=1)


# -- token --------------------------------------------------------------------------------------
def token(state: SandboxState, form_body: bytes) -> Answer:
    """POST /oauth2/v3/token (client credentials)."""
    form = {k: v[0] for k, v in parse_qs(form_body.decode()).items()}
    if form.get("grant_type") != "client_credentials":
        raise ApiError(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
        raise ApiError(401, "invalid_client", "client authentication failed")
    access = state.issue_token(form["client_id"])
    return _json({"access_token": access, "token_type": "Bearer",
                  "expires_in": str(state.limits.token_ttl_seconds), "scope": ""})


# -- checks -------------------------------------------------------------------------------------
def _consent(meter: MeterProfile) -> None:
    if meter.consent_revoked:
        raise ApiError(403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point")
    if meter.moved_out:
        raise ApiError(403, "ADAM-DC-0007", "The customer has moved out of this usage point")


def _period(state: SandboxState, query: dict[str, str]) -> tuple[date, date]:
    try:
        first = date.fromisoformat(query["dateDebut"])
        end = date.fromisoformat(query["dateFin"])
    except (KeyError, ValueError):
        raise ApiError(400, "invalid_request", "dateDebut and dateFin must be dates YYYY-MM-DD") from None
    if first >= end:
        raise ApiError(400, "invalid_request", "dateDebut must be strictly before dateFin")
    if end > state.today:
        raise ApiError(400, "invalid_request", "dateFin must not be after the current day")
    return first, end


def _history(state: SandboxState, meter: MeterProfile, first: date, months: int) -> None:
    limit = _months_back(state.today, months) - timedelta(days=15)
    if first < limit:
        raise ApiError(400, "ADAM-DC-0016", f"The start date is before the history limit ({limit})")
    if first < meter.last_activation:
        raise ApiError(400, "ADAM-ERR0123",
                       "The requested period starts before the meter's last activation date")
    if first < meter.consent_start:
        raise ApiError(403, "ADAM-DC-0009", "The start date is before the consent start date")


def _months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def _direction(meter: MeterProfile, direction: str) -> None:
    if (direction == "CONS" and not meter.consumes) or (direction == "PROD" and not meter.produces):
        raise ApiError(400, "ADAM-ERR0069", f"This usage point has no {direction} measures")


def _no_data() -> ApiError:
    return ApiError(404, "no_data_found", "No measure found for this usage point and period")


def _envelope(meter: MeterProfile, first: date, end: date, step: str, grandeurs: list[dict],
              state: SandboxState) -> Answer:
    stage = "BRUT" if end > state.today - timedelta(days=7) else "BEST"
    return _json({"idPrm": meter.prm, "etapeMetier": stage,
                  "periode": {"dateDebut": first.isoformat(), "dateFin": end.isoformat()},
                  "modeCalcul": "MOYENNE" if step.startswith("PT") else "SOMME", "pas": step,
                  "grandeur": grandeurs})


# -- measures -----------------------------------------------------------------------------------
def measure(state: SandboxState, resource: str, query_string: str) -> Answer:
    """GET /mesure_synchrone_auto/v2/<resource>."""
    query = {k: v[0] for k, v in parse_qs(query_string).items()}
    prm = query.get("pointId", "")
    if not PRM_RE.match(prm):
        raise ApiError(400, "invalid_request", "pointId must be 14 digits")
    meter = profile(prm)
    _consent(meter)
    first, end = _period(state, query)
    if resource in CURVES:
        if (end - first).days > 7:
            raise ApiError(400, "ADAM-DC-0015", "A load curve may be requested for 7 days at most")
        _history(state, meter, first, 24)
        _direction(meter, CURVES[resource])
        return _curve(state, meter, first, end, CURVES[resource])
    _history(state, meter, first, 36)
    if resource in DAILY:
        _direction(meter, DAILY[resource])
        return _daily(state, meter, first, end, DAILY[resource])
    if resource in MAXPOWER:
        _direction(meter, "CONS")
        return _max_power(state, meter, first, end)
    if resource in INDEXES:
        _direction(meter, INDEXES[resource])
        return _indexes(state, meter, first, end, INDEXES[resource])
    raise ApiError(404, "not_found", f"unknown resource {resource}")


def _curve(state: SandboxState, meter: MeterProfile, first: date, end: date, direction: str) -> Answer:
    if meter.curve_needs_activation:
        since = state.curve_activated.get(meter.prm)
        if since is None:
            raise _no_data()
        first = max(first, since)
    points = [{"v": str(p.power_w), "d": local_text(p.end)}
              for day in _days(first, end) for p in measures.day_curve(meter, day)]
    if not points:
        raise _no_data()
    grandeur = {"grandeurMetier": direction, "grandeurPhysique": "PA", "unite": "W", "points": points}
    return _envelope(meter, first, end, f"PT{meter.step_minutes}M", [grandeur], state)


def _daily(state: SandboxState, meter: MeterProfile, first: date, end: date, direction: str) -> Answer:
    points = []
    for day in _days(first, end):
        energy = measures.day_energy_wh(meter, day)
        if energy is not None:
            points.append({"v": str(energy), "d": day.isoformat()})
    if not points:
        raise _no_data()
    grandeur = {"grandeurMetier": direction, "grandeurPhysique": "EA", "unite": "Wh", "points": points}
    return _envelope(meter, first, end, "P1D", [grandeur], state)


def _max_power(state: SandboxState, meter: MeterProfile, first: date, end: date) -> Answer:
    points = []
    for day in _days(first, end):
        top = measures.day_max_power(meter, day)
        if top is not None:
            points.append({"v": str(top[0]), "d": local_text(top[1])})
    if not points:
        raise _no_data()
    grandeur = {"grandeurMetier": "CONS", "grandeurPhysique": "PMA", "unite": "VA", "points": points}
    return _envelope(meter, first, end, "P1D", [grandeur], state)


def _indexes(state: SandboxState, meter: MeterProfile, first: date, end: date, direction: str) -> Answer:
    measures.warm_index(meter, end)
    grandeurs: dict[str, dict] = {}
    for day in _days(first, end):
        if measures.is_gap_day(meter, day):
            continue
        midnight = measures.paris_midnight(day)
        for cls, wh in measures.index_at(meter, day):
            grandeurs.setdefault(cls, {"grandeurMetier": direction, "grandeurPhysique": "EA", "unite": "Wh",
                                       "classeTemporelle": cls, "libelleClasse": CLASS_LABELS[cls],
                                       "points": []})
            context = "TOP" if day.day == 1 else "COL"
            grandeurs[cls]["points"].append({"v": str(wh), "d": local_text(midnight), "contexte": context})
    if not grandeurs:
        raise _no_data()
    return _envelope(meter, first, end, "P1D", list(grandeurs.values()), state)


# -- contract data ------------------------------------------------------------------------------
def contract(state: SandboxState, resource: str, prm: str) -> Answer:
    """GET /<contract resource>/v1/{prm}."""
    if not PRM_RE.match(prm):
        raise ApiError(400, "invalid_request", "the PRM in the path must be 14 digits")
    meter = profile(prm)
    _consent(meter)
    classes = measures.time_classes(meter)
    if resource == "situation_contrat_auto":
        powers = {c: meter.subscribed_kva for c in classes} if meter.segment == "C4" else {"BASE": meter.subscribed_kva}
        return _json({"idPrm": prm, "segment": meter.segment, "statutContrat": "SERVC",
                      "titulaire": {"organisation": {"raisonSociale": f"Site {prm[-4:]} SAS",
                                                     "siret": f"{meter.seed % 10**14:014d}",
                                                     "siren": f"{meter.seed % 10**9:09d}", "naf": "6820B"},
                                    "contact": {"email": f"energie+{prm[-4:]}@example.fr"}},
                      "formuleTarifaireAcheminement": meter.fta, "optionTarifaire": meter.tariff_option,
                      "puissancesSouscrites": [{"classeTemporelle": c, "valeur": v, "unite": "kVA"}
                                               for c, v in powers.items()]})
    if resource == "synth_contrat_auto":
        return _json({"idPrm": prm, "dateDerniereMiseEnService": meter.last_activation.isoformat(),
                      "niveauOuvertureServices": "2", "segment": meter.segment})
    if resource == "comptage_auto":
        off_peak = None if classes == ["BASE"] else "HC (22H00-6H00)"
        return _json({"idPrm": prm, "heuresCreuses": off_peak, "pasCourbe": f"PT{meter.step_minutes}M",
                      "courbeActivee": not meter.curve_needs_activation or prm in state.curve_activated})
    return _json({"idPrm": prm, "adresse": {"numeroEtNomVoie": f"{int(prm[-3:]) % 90 + 1} rue de la Gare",
                                            "codePostal": "69003", "commune": "LYON"}})


def subscribed_services(state: SandboxState, body: bytes) -> Answer:
    """POST /subscribed_services/v1 with {"autorisationId", "comptage"}."""
    try:
        request = orjson.loads(body)
        authorization = str(request["autorisationId"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise ApiError(400, "invalid_request", "body must be {autorisationId, comptage}") from None
    prm = authorization.removeprefix("AUT-")
    if not PRM_RE.match(prm):
        raise ApiError(404, "no_data_found", "unknown autorisationId")
    meter = profile(prm)
    state_code = "SUPPRIME" if meter.consent_revoked else "TERMINE" if meter.moved_out else "ACTIF"
    return _json({"autorisationId": authorization, "pointId": prm, "services": [
        {"serviceId": f"DC-{prm}", "etatCode": state_code, "dateDebut": meter.consent_start.isoformat(),
         "dateFin": (meter.consent_start + timedelta(days=3 * 365)).isoformat()}]})
