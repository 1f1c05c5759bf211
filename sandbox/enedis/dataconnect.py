"""Enedis Data Connect 2026 stand-in, as strict as the real one: token, measures, contract APIs, services.

Built from the official Swagger files (MyElectricalData/myelectricaldata_new,
docs/external-apis/enedis-api/data-connect-2026/): `swagger_mesure_synchrone_auto_v2.yaml`,
`Situation-contractuelle-sync-auto.yaml`, `Synthese-contractuelle-sync-auto.yaml`,
`Situation-comptage-auto.yaml`, `Donnees-generales-sync-auto.yaml`, `Services-souscrits.yaml`, and the
recorded real answers beside them. A request outside a Swagger (unknown, missing or repeated
parameter, a value outside an enum, a PRM in the query of a contract API, a wrong method or path, a
body field the Swagger does not list or of the wrong type) is answered like Enedis does: HTTP 500 with
an empty body. Error bodies: `{code, message}` (the Swaggers' form) except where real answers show
`{error, error_description}` (ADAM-ERR0123, OAuth) or `{code, message, description}` (900908).

Checks then follow DOMAIN.md: end date excluded, start < end, end <= today, curve calls of at most
7 days, history limits (curves 24 months + 15 days, daily 36 months + 15 days, computed like a Java
`LocalDate.minusMonths`: the 31st becomes the last day of a shorter month), consent, activation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import orjson

from sandbox.enedis import measures
from sandbox.enedis.meters import MeterProfile, profile
from sandbox.enedis.state import CLIENTS, SandboxState

PRM_RE = re.compile(r"^\d{14}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

CURVES = {"courbe_de_charge_consommation": "CONS", "courbe_de_charge_production": "PROD"}
DAILY = {"consommation_quotidienne": "CONS", "production_quotidienne": "PROD"}
MAXPOWER = {"puissance_conso_max_quotidienne": "CONS"}
INDEXES = {"index_consommation": "CONS", "index_production": "PROD"}
MEASURES = {**CURVES, **DAILY, **MAXPOWER, **INDEXES}
CONTRACT = ("situation_contrat_auto", "synth_contrat_auto", "comptage_auto", "donnees_generales_auto")
# Query parameters of each measure resource, with the enums the Swagger gives (None: free text).
QUERY: dict[str, dict[str, tuple[str, ...] | None]] = {
    resource: {"pointId": None, "dateDebut": None, "dateFin": None} for resource in MEASURES}
QUERY["puissance_conso_max_quotidienne"] |= {"mesuresPas": ("P1D", "P1M"), "grandeurPhysique": ("PMA", "TOUT")}
# ConsulterServicesSouscritsPaginesDemande (Services-souscrits.yaml): property -> accepted JSON types.
SERVICES_BODY: dict[str, tuple[type, ...]] = {
    "pointId": (list,), "siren": (list,), "dateDebut": (str,), "dateFin": (str,), "etatCode": (list,),
    "serviceType": (str,), "mesureTypeCode": (list,), "soutirage": (bool,), "injection": (bool,),
    "page": (int,), "comptage": (bool,), "autorisationId": (int,), "autorisation": (bool,)}
CLASS_LABELS = {"BASE": "Base", "HP": "Heures pleines", "HC": "Heures creuses",
                "HPH": "Heures pleines saison haute", "HCH": "Heures creuses saison haute",
                "HPB": "Heures pleines saison basse", "HCB": "Heures creuses saison basse"}
WITHDRAWAL_TARIFF = {"BASE": "Tarif BT<=36kVA Courte Utilisation Sans différenciation temporelle",
                     "HP/HC": "Tarif BT<=36kVA Moyenne Utilisation heures pleines heures creuses associées à "
                              "deux saisons",
                     "4 classes": "Tarif BT>36kVA Courte Utilisation"}


@dataclass
class Answer:
    """An HTTP answer."""

    status: int
    body: bytes
    headers: dict[str, str]


class ApiError(Exception):
    """An operator error answer, in one of the forms Enedis uses."""

    def __init__(self, status: int, code: str, description: str, headers: dict[str, str] | None = None,
                 form: str = "code") -> None:
        super().__init__(description)
        self.status, self.code, self.description, self.form = status, code, description, form
        self.headers = headers or {}

    def answer(self) -> Answer:
        """The JSON error body (`code`: the Swaggers'; `error`: seen on real answers; `gateway`: 900908)."""
        if self.form == "error":
            body: dict[str, str] = {"error": self.code, "error_description": self.description}
        elif self.form == "gateway":
            body = {"code": self.code, "message": "Resource forbidden ", "description": self.description}
        else:
            body = {"code": self.code, "message": self.description}
        return Answer(self.status, orjson.dumps(body), {"Content-Type": "application/json", **self.headers})


class OutsideSwagger(Exception):
    """A request the Swagger does not describe: Enedis answers HTTP 500 with an empty body."""

    def answer(self) -> Answer:
        """HTTP 500, empty body."""
        return Answer(500, b"", {})


def _json(payload: Any) -> Answer:
    return Answer(200, orjson.dumps(payload), {"Content-Type": "application/json"})


def local_text(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS` Paris wall-clock time (ambiguous in the repeated autumn hour)."""
    return moment.astimezone(measures.PARIS).strftime("%Y-%m-%d %H:%M:%S")


def offset_text(day: date) -> str:
    """The contract APIs' date form `2018-08-31T00:00:00+0200` (local midnight with its offset)."""
    return datetime.combine(day, datetime.min.time(), measures.PARIS).strftime("%Y-%m-%dT%H:%M:%S%z")


def _days(first: date, end: date) -> Iterator[date]:
    day = first
    while day < end:
        yield day
        day += timedelta(days=1)


def authorization_id(prm: str) -> int:
    """The sandbox's consent (`autorisation_id`, an int64) of a PRM: the PRM read as a number."""
    return int(prm)


# -- token --------------------------------------------------------------------------------------
def token(state: SandboxState, form_body: bytes) -> Answer:
    """POST /oauth2/v3/token (client credentials); OAuth's error form."""
    form = dict(parse_qsl(form_body.decode()))
    if form.get("grant_type") != "client_credentials":
        raise ApiError(400, "unsupported_grant_type", "grant_type must be client_credentials", form="error")
    if CLIENTS.get(form.get("client_id", "")) != form.get("client_secret"):
        raise ApiError(401, "invalid_client", "client authentication failed", form="error")
    access = state.issue_token(form["client_id"])
    return _json({"access_token": access, "token_type": "Bearer",
                  "expires_in": str(state.limits.token_ttl_seconds), "scope": ""})


# -- the Swagger's request checks ------------------------------------------------------------------
def strict_query(query_string: str, allowed: dict[str, tuple[str, ...] | None]) -> dict[str, str]:
    """The query as a dict, or OutsideSwagger (a missing, unknown or repeated parameter, a value off an enum)."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    names = [k for k, _ in pairs]
    if sorted(names) != sorted(allowed) or len(set(names)) != len(names):
        raise OutsideSwagger
    query = dict(pairs)
    for name, enum in allowed.items():
        if enum is not None and query[name] not in enum:
            raise OutsideSwagger
    return query


def unsubscribed(state: SandboxState, client_id: str, api: str) -> None:
    """403 900908 when the client's application lacks this API (its subscriptions on the portal)."""
    if api in state.unsubscribed_apis(client_id):
        raise ApiError(403, "900908", "User is NOT authorized to access the Resource. "
                                      "API Subscription validation failed.", form="gateway")


# -- checks -------------------------------------------------------------------------------------
def _consent(meter: MeterProfile) -> None:
    if meter.consent_revoked:
        raise ApiError(403, "ADAM-DC-0008", "Le client n'est pas titulaire du point demandé ou son "
                                            "consentement a été révoqué")
    if meter.moved_out:
        raise ApiError(403, "ADAM-DC-0007", "Le client a quitté ce point de livraison")


def _period(state: SandboxState, query: dict[str, str]) -> tuple[date, date]:
    try:
        if not (DAY_RE.match(query["dateDebut"]) and DAY_RE.match(query["dateFin"])):
            raise ValueError
        first = date.fromisoformat(query["dateDebut"])
        end = date.fromisoformat(query["dateFin"])
    except ValueError:
        raise ApiError(400, "invalid_request", "dateDebut et dateFin doivent être au format YYYY-MM-DD") from None
    if first >= end:
        raise ApiError(400, "invalid_request", "La date de début doit être strictement antérieure à la date de fin")
    if end > state.today:
        raise ApiError(400, "invalid_request", "La date de fin ne peut pas être postérieure à la date du jour")
    return first, end


def months_back(day: date, months: int) -> date:
    """`day` minus `months`, the 29th-31st clamped to the last day of a shorter month (Java's minusMonths)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def history_limit(today: date, months: int) -> date:
    """First day a call may ask for: `months` months and 15 days before the call's day."""
    return months_back(today, months) - timedelta(days=15)


def _history(state: SandboxState, meter: MeterProfile, first: date, months: int, direction: str) -> None:
    limit = history_limit(state.today, months)
    if first < limit:
        raise ApiError(400, "ADAM-DC-0016", f"La date de début est antérieure à la limite d'historique ({limit})")
    if first < meter.last_activation:
        raise ApiError(400, "ADAM-ERR0123", "La période demandée est antérieure à la date de mise en service du "
                                            "compteur", form="error")
    if first < meter.consent_start:
        raise ApiError(403, "ADAM-DC-0009", "La date de début est antérieure à la date de début du consentement")


def _direction(meter: MeterProfile, direction: str) -> None:
    if (direction == "CONS" and not meter.consumes) or (direction == "PROD" and not meter.produces):
        raise ApiError(400, "ADAM-ERR0069", f"Ce point n'a pas de mesures en {direction}")


def _no_data() -> ApiError:
    return ApiError(404, "no_data_found", "Pas de mesure trouvée pour ce point")


def _stage(state: SandboxState, end: date) -> str:
    return "BRUT" if end > state.today - timedelta(days=7) else "BEST"


# -- measures -----------------------------------------------------------------------------------
def measure(state: SandboxState, resource: str, query_string: str) -> Answer:
    """GET /mesure_synchrone_auto/v2/<resource>."""
    if resource not in MEASURES:
        raise OutsideSwagger
    query = strict_query(query_string, QUERY[resource])
    prm = query["pointId"]
    if not PRM_RE.match(prm):
        raise ApiError(400, "invalid_request", "Le paramètre pointId doit comporter 14 chiffres")
    meter = profile(prm)
    _consent(meter)
    first, end = _period(state, query)
    direction = MEASURES[resource]
    if resource in CURVES:
        if (end - first).days > 7:
            raise ApiError(400, "ADAM-DC-0015", "La courbe de charge ne peut être demandée que sur 7 jours au plus")
        _history(state, meter, first, 24, direction)
        _direction(meter, direction)
        return _curve(state, meter, first, end, direction)
    _history(state, meter, first, 36, direction)
    _direction(meter, direction)
    if resource in DAILY:
        return _daily(state, meter, first, end, direction)
    if resource in MAXPOWER:
        if query["mesuresPas"] != "P1D" or query["grandeurPhysique"] != "PMA":
            # P1M and TOUT exist in the Swagger; the sandbox only serves what collecte asks
            raise ApiError(400, "invalid_request", "Seuls mesuresPas=P1D et grandeurPhysique=PMA sont simulés")
        return _max_power(state, meter, first, end)
    return _indexes(state, meter, first, end, direction)


def _curve(state: SandboxState, meter: MeterProfile, first: date, end: date, direction: str) -> Answer:
    if meter.curve_needs_activation:
        since = state.curve_activated.get(meter.prm)
        if since is None:
            # DOMAIN.md names ADAM-ERR0075 without its HTTP status and the Swagger lists no codes: 404 here
            raise ApiError(404, "ADAM-ERR0075", "La courbe de charge n'est pas activée pour ce point")
        first = max(first, since)
    points = [{"v": str(p.power_w), "d": local_text(p.end), "p": f"PT{p.step}M", "n": "B", "iv": "0", "ec": "0"}
              for day in _days(first, end) for p in measures.day_curve(meter, day, None, _flow(meter, direction))]
    if not points:
        raise _no_data()
    return _json({"idPrm": meter.prm, "etapeMetier": _stage(state, end),
                  "periode": {"dateDebut": first.isoformat(), "dateFin": end.isoformat()}, "modeCalcul": "MESURE",
                  "grandeur": [{"grandeurMetier": direction, "grandeurPhysique": "PA", "unite": "W",
                                "points": points}]})


def _flow(meter: MeterProfile, direction: str) -> str | None:
    """The direction passed to the generators (None keeps a single-direction meter's historical values)."""
    return direction if meter.self_consumption else None


def _daily(state: SandboxState, meter: MeterProfile, first: date, end: date, direction: str) -> Answer:
    points = []
    for day in _days(first, end):
        energy = measures.day_energy_wh(meter, day, _flow(meter, direction))
        if energy is not None:
            points.append({"v": str(energy), "d": day.isoformat()})
    if not points:
        raise _no_data()
    return _json({"idPrm": meter.prm, "etapeMetier": _stage(state, end),
                  "periode": {"dateDebut": first.isoformat(), "dateFin": end.isoformat()}, "typeValeur": "GLOBALE",
                  "modeCalcul": "DIFF.INDEX", "pas": "P1D",
                  "grandeur": [{"grandeurMetier": direction, "grandeurPhysique": "EA", "unite": "Wh",
                                "points": points, "calendrier": []}], "contexte": []})


def _max_power(state: SandboxState, meter: MeterProfile, first: date, end: date) -> Answer:
    points = []
    for day in _days(first, end):
        top = measures.day_max_power(meter, day)
        if top is not None:
            points.append({"v": str(top[0]), "d": local_text(top[1])})
    if not points:
        raise _no_data()
    return _json({"idPrm": meter.prm, "etapeMetier": _stage(state, end),
                  "periode": {"dateDebut": first.isoformat(), "dateFin": end.isoformat()}, "modeCalcul": "MESURE",
                  "pas": "P1D", "grandeur": [{"grandeurMetier": "CONS", "grandeurPhysique": "PMA", "unite": "VA",
                                              "points": points, "calendrier": []}], "contexte": []})


def _indexes(state: SandboxState, meter: MeterProfile, first: date, end: date, direction: str) -> Answer:
    """Index values per day and time class, in `contexte[].grandeur[].calendrier[].classeTemporelle[].valeur[]`.

    The Swagger does not say how `valeur.d` is written: the sandbox gives ISO 8601 with the offset.
    """
    measures.warm_index(meter, end)
    contexts = []
    for day in _days(first, end):
        if measures.is_gap_day(meter, day):
            continue
        stamp = datetime.combine(day, datetime.min.time(), measures.PARIS).isoformat()
        classes = [{"idClasseTemporelle": cls, "libelleClasseTemporelle": CLASS_LABELS[cls],
                    "codeCadran": f"{index + 1:02d}", "valeur": [{"d": stamp, "v": wh, "iv": 0}]}
                   for index, (cls, wh) in enumerate(measures.index_at(meter, day))]
        calendar = {"idCalendrier": "DI000002" if len(classes) > 1 else "DI000001",
                    "libelleCalendrier": "Calendrier distributeur", "classeTemporelle": classes}
        contexts.append({"etapeMetier": _stage(state, end), "contexteReleve": "TOP" if day.day == 1 else "COL",
                         "typeReleve": "AQ",
                         "grandeur": [{"grandeurMetier": direction, "grandeurPhysique": "EA", "unite": "Wh",
                                       "points": [], "calendrier": [calendar]}]})
    if not contexts:
        raise _no_data()
    return _json({"idPrm": meter.prm, "periode": {"dateDebut": first.isoformat(), "dateFin": end.isoformat()},
                  "grandeur": [], "contexte": contexts})


# -- contract APIs ------------------------------------------------------------------------------
def contract(state: SandboxState, resource: str, prm: str, query_string: str = "") -> Answer:
    """GET /<contract API>/v1/{usage_point_id}: the PRM in the path, no query parameter at all."""
    if resource not in CONTRACT or query_string:
        raise OutsideSwagger
    if not PRM_RE.match(prm):
        raise ApiError(404, "404", "Situation contractuelle ou PRM non existant")
    meter = profile(prm)
    _consent(meter)
    if resource == "situation_contrat_auto":
        return _json(_situation(meter))
    if resource == "synth_contrat_auto":
        segments = ([{"segment": meter.segment}] if meter.consumes else []) + \
            ([{"segment": meter.api_segment_injection}] if meter.self_consumption else [])
        body: dict[str, Any] = {"segments": segments or [{"segment": meter.segment}]}
        if meter.produces:
            body["generation_last_activation_date"] = offset_text(meter.last_activation)
        if meter.consumes:
            body["consumption_last_activation_date"] = offset_text(meter.last_activation)
        body["services_level"] = "Communicant (ouvert aux services)"
        return _json(body)
    if resource == "comptage_auto":
        classes = measures.time_classes(meter)
        body = {"dispositifComptage": {"typeComptage": {"code": "AMM", "libelle": "Compteur communicant"}},
                "compteurs": [{"numeroSerie": f"0{meter.seed % 10**11:011d}",
                               "regimePropriete": {"code": "LOUE", "libelle": "Loué"}}]}
        if classes != ["BASE"]:
            body["relais"] = {"plageHeuresCreuses": "HC (22H00-6H00)"}
        return _json(body)
    return _json({"address": {"number_street_name": f"{int(prm[-3:]) % 90 + 1} RUE DE LA GARE",
                              "postal_code_city": "69003 LYON", "insee_code": "69383"}})


def _situation(meter: MeterProfile) -> list[dict[str, Any]]:
    """`situation_contrat_auto`: a LIST, English snake_case, as the recorded answers (the Swagger's
    `contracts` schema is empty); the holder's address is under `customer.customer.adress` (sic)."""
    holder = {"customer": {"customer": {"adress": {"line1": f"SITE {meter.prm[-4:]} SAS",
                                                   "line4": "1 RUE DE LA GARE", "line6": "69003 LYON",
                                                   "line7": "FRANCE"}}},
              "contact_data": {"email": f"energie+{meter.prm[-4:]}@example.fr"},
              "organization": {"name": f"SITE {meter.prm[-4:]} SAS", "siret_number": f"{meter.seed % 10**14:014d}",
                               "siren_number": f"{meter.seed % 10**9:09d}", "business_code": "6820B"}}
    contracts = []
    if meter.consumes:
        contracts.append({"usage_point_id": meter.prm, "contract_start": offset_text(meter.last_activation),
                          "contract_type": "Contrat GRD-F", "contractor": "FOURNISSEUR SANDBOX",
                          "distribution_tariff": WITHDRAWAL_TARIFF[meter.tariff_option],
                          "subscribed_power": {"unit": "kVA", "value": str(meter.subscribed_kva)},
                          "segment": meter.segment, **holder})
    if meter.produces:
        contracts.append({"usage_point_id": meter.prm, "contract_start": offset_text(meter.last_activation),
                          "contract_type": "Contrat GRD-A",
                          "segment": meter.api_segment_injection if meter.consumes else meter.segment, **holder})
    return contracts


# -- subscribed services ------------------------------------------------------------------------
def subscribed_services(state: SandboxState, body: bytes, query_string: str = "") -> Answer:
    """POST /subscribed_services/v1 with a ConsulterServicesSouscritsPaginesDemande body."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise OutsideSwagger from None
    if query_string or not isinstance(request, dict) or "comptage" not in request:
        raise OutsideSwagger
    for name, value in request.items():
        kinds = SERVICES_BODY.get(name)
        # bool is an int in Python: an integer field must not accept true/false, nor a string
        if kinds is None or not isinstance(value, kinds) or (int in kinds and isinstance(value, bool)):
            raise OutsideSwagger
    if "autorisationId" not in request and not request.get("pointId") and not request.get("siren"):
        raise ApiError(400, "invalid_request", "autorisationId, pointId ou siren est obligatoire")
    number = request.get("autorisationId")
    prm = f"{number:014d}" if isinstance(number, int) and 0 < number < 10**14 else ""
    if not prm:
        raise ApiError(404, "404", "PRM non existant")
    meter = profile(prm)
    code = "SUPPRIME" if meter.consent_revoked else "TERMINE" if meter.moved_out else "ACTIF"
    labels = {"ACTIF": "Actif", "TERMINE": "Terminé", "SUPPRIME": "Supprimé"}
    services = [{"id": f"{number % 10**9}{i}", "injection": flow == "PROD", "soutirage": flow == "CONS",
                 "serviceCode": "ACCES", "dateDebut": meter.consent_start.isoformat(),
                 "dateFin": (meter.consent_start + timedelta(days=3 * 365)).isoformat(), "etatCode": code,
                 "etatLibelle": labels[code], "pointId": prm, "mesuresTypeCode": kind,
                 "mesuresPas": "PT30M" if kind == "CDC" else "P1D", "mesuresCorrigees": False,
                 "espaceDynamique": False, "publicationDonnees": False,
                 "autorisation": {"autorisationId": number, "autorisationLibelle": "Data Connect",
                                  "autorisationType": "EXPLICITE"}}
                for i, (flow, kind) in enumerate((f, k) for f in ("CONS", "PROD")
                                                 if (meter.consumes if f == "CONS" else meter.produces)
                                                 for k in ("CDC", "ENERGIE"))]
    wanted = request.get("etatCode") or ["ACTIF", "DEMANDE"]
    services = [s for s in services if s["etatCode"] in wanted]
    if request["comptage"]:
        return _json({"nbTotalServices": len(services)})
    return _json({"nbTotalServices": len(services), "serviceSouscrit": services})


__all__ = ["UTC", "Answer", "ApiError", "OutsideSwagger", "authorization_id", "contract", "measure",
           "subscribed_services", "token"]
