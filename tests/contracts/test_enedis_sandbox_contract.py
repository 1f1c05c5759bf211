"""The Enedis sandbox answers in the Swagger's shapes and refuses like Enedis (HTTP 500, empty body).

Every answer is validated against the models written from the official Swagger files
(tests/contracts/enedis_dataconnect_models.py), never against collecte's own parser, so the connector
and the sandbox cannot agree on a wrong shape.
"""

from __future__ import annotations

from datetime import date

import httpx
import orjson
import pytest

from sandbox.enedis import meters
from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET, UNSUBSCRIBED_CLIENT_ID
from tests.contracts import enedis_dataconnect_models as models

pytestmark = pytest.mark.timeout(120)
TODAY = date(2026, 11, 20)
MEASURE = "/mesure_synchrone_auto/v2/"


@pytest.fixture(scope="module")
def sandbox():
    from sandbox.enedis import start_enedis

    running = start_enedis(0, today=TODAY)
    running.state.limits.calls_per_second = 1000  # this module is about shapes, not quotas
    yield running
    running.stop()


def _token(sandbox, client_id=CLIENT_ID) -> str:
    answer = httpx.post(f"{sandbox.base_url}/oauth2/v3/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": CLIENT_SECRET})
    assert answer.status_code == 200
    return models.Token.model_validate_json(answer.content).access_token


@pytest.fixture(scope="module")
def http(sandbox):
    with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {_token(sandbox)}"}) as client:
        yield client


def _measure_query(resource: str, prm: str, first: str, end: str) -> dict[str, str]:
    query = {"pointId": prm, "dateDebut": first, "dateFin": end}
    if resource == "puissance_conso_max_quotidienne":
        query |= {"mesuresPas": "P1D", "grandeurPhysique": "PMA"}
    return query


CASES = [(resource, prm) for prm in (meters.NORMAL, meters.C4_10MIN, meters.CURVE_60MIN, meters.STEP_CHANGE,
                                     meters.GAPS, meters.SELF_CONSUMPTION, meters.RECENT)
         for resource in ("consommation_quotidienne", "courbe_de_charge_consommation",
                          "puissance_conso_max_quotidienne", "index_consommation")] + \
    [(resource, prm) for prm in (meters.PRODUCER, meters.SELF_CONSUMPTION)
     for resource in ("production_quotidienne", "courbe_de_charge_production", "index_production")]


@pytest.mark.parametrize(("resource", "prm"), CASES)
def test_every_measure_answer_matches_the_swagger(http, resource, prm):
    first, end = ("2026-11-08", "2026-11-15") if "courbe" in resource or "index" in resource else \
        ("2026-10-01", "2026-11-15")
    answer = http.get(MEASURE + resource, params=_measure_query(resource, prm, first, end))
    assert answer.status_code == 200, answer.content
    parsed = models.MEASURE_MODELS[resource].model_validate_json(answer.content)
    assert parsed.idPrm == prm


def test_a_curve_changes_step_inside_one_answer(http):
    answer = http.get(MEASURE + "courbe_de_charge_consommation",
                      params=_measure_query("courbe_de_charge_consommation", meters.STEP_CHANGE,
                                            "2026-11-09", "2026-11-12"))
    parsed = models.ReponseMesureAccesCDC.model_validate_json(answer.content)
    steps = [p.p for p in parsed.grandeur[0].points]
    switch = steps.index("PT10M")
    assert set(steps[:switch]) == {"PT30M"} and set(steps[switch:]) == {"PT10M"}
    assert parsed.grandeur[0].points[switch - 1].d == "2026-11-10 12:00:00"  # reprogrammed at noon
    per_day = {}
    for point in parsed.grandeur[0].points:
        per_day.setdefault(point.d[:10], []).append(point.p)
    assert len(per_day["2026-11-10"]) == 24 + 72  # 30 min until noon, 10 min after


@pytest.mark.parametrize(("prm", "types"), [
    (meters.NORMAL, ["Contrat GRD-F"]),
    (meters.SELF_CONSUMPTION, ["Contrat GRD-F", "Contrat GRD-A"]),
    (meters.PRODUCER, ["Contrat GRD-A"]),
])
def test_contract_apis_match_the_swaggers(http, prm, types):
    situation = http.get(f"/situation_contrat_auto/v1/{prm}")
    contracts = models.Contracts.model_validate_json(situation.content).root
    assert [c.contract_type for c in contracts] == types
    withdrawal = [c for c in contracts if c.contract_type == "Contrat GRD-F"]
    assert all(c.subscribed_power and c.segment == "C5" for c in withdrawal)
    assert all(c.subscribed_power is None and c.segment == "P4" for c in contracts if c not in withdrawal)
    for resource, model in models.CONTRACT_MODELS.items():
        answer = http.get(f"/{resource}/v1/{prm}")
        assert answer.status_code == 200, (resource, answer.content)
        model.model_validate_json(answer.content)
    synthesis = models.SyntheseContractuelle.model_validate_json(http.get(f"/synth_contrat_auto/v1/{prm}").content)
    assert (synthesis.consumption_last_activation_date is not None) == ("Contrat GRD-F" in types)
    assert (synthesis.generation_last_activation_date is not None) == ("Contrat GRD-A" in types)


def test_subscribed_services_take_an_integer_authorization(http):
    body = {"autorisationId": int(meters.NORMAL), "comptage": False}
    models.ConsulterServicesSouscritsPaginesDemande.model_validate(body)
    answer = http.post("/subscribed_services/v1", json=body)
    parsed = models.ServiceSouscritReponsePaginee.model_validate_json(answer.content)
    assert parsed.nbTotalServices == len(parsed.serviceSouscrit) > 0
    assert all(s.autorisation.autorisationId == int(meters.NORMAL) and s.etatCode == "ACTIF"
               for s in parsed.serviceSouscrit)


@pytest.mark.parametrize(("request_", "status", "code", "model"), [
    (("GET", MEASURE + "courbe_de_charge_consommation", _measure_query(
        "courbe_de_charge_consommation", meters.CONSENT_REVOKED, "2026-11-01", "2026-11-02")),
     403, "ADAM-DC-0008", models.ErrorBody),
    (("GET", MEASURE + "courbe_de_charge_consommation", _measure_query(
        "courbe_de_charge_consommation", meters.CURVE_NOT_ACTIVATED, "2026-11-01", "2026-11-02")),
     404, "ADAM-ERR0075", models.ErrorBody),
    (("GET", MEASURE + "courbe_de_charge_consommation", _measure_query(
        "courbe_de_charge_consommation", meters.RECENT, "2026-05-01", "2026-05-08")),
     400, "ADAM-ERR0123", models.OAuthErrorBody),
    (("GET", MEASURE + "courbe_de_charge_consommation", _measure_query(
        "courbe_de_charge_consommation", meters.NORMAL, "2026-11-01", "2026-11-09")),
     400, "ADAM-DC-0015", models.ErrorBody),
    (("GET", MEASURE + "courbe_de_charge_consommation", _measure_query(
        "courbe_de_charge_consommation", meters.PRODUCER, "2026-11-01", "2026-11-02")),
     400, "ADAM-ERR0069", models.ErrorBody),
    (("GET", "/situation_contrat_auto/v1/" + meters.CONSENT_REVOKED, None), 403, "ADAM-DC-0008", models.ErrorBody),
    (("GET", MEASURE + "consommation_quotidienne", _measure_query(
        "consommation_quotidienne", meters.NORMAL, "2020-01-01", "2020-01-02")), 400, "ADAM-DC-0016", models.ErrorBody),
    (("GET", MEASURE + "consommation_quotidienne", _measure_query(
        "consommation_quotidienne", meters.LATE_CONSENT, "2026-08-01", "2026-09-15")),
     403, "ADAM-DC-0009", models.ErrorBody),
    (("GET", MEASURE + "consommation_quotidienne", _measure_query(
        "consommation_quotidienne", meters.MOVED_OUT, "2026-11-01", "2026-11-02")), 403, "ADAM-DC-0007", models.ErrorBody),
    (("GET", MEASURE + "consommation_quotidienne", _measure_query(
        "consommation_quotidienne", meters.NORMAL, "2026-11-02", "2026-11-01")), 400, "invalid_request", models.ErrorBody),
    (("GET", MEASURE + "courbe_de_charge_consommation", _measure_query(
        "courbe_de_charge_consommation", meters.GAPS, "2026-01-14", "2026-01-15")), 404, "no_data_found",
     models.ErrorBody),
])
def test_error_answers_in_their_documented_forms(http, request_, status, code, model):
    method, path, params = request_
    answer = http.request(method, path, params=params)
    assert answer.status_code == status
    body = model.model_validate_json(answer.content)
    assert (body.code if isinstance(body, models.ErrorBody) else body.error) == code


def test_token_quota_and_bad_token_answers(sandbox):
    body = httpx.post(f"{sandbox.base_url}/oauth2/v3/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "wrong"})
    assert body.status_code == 401 and models.OAuthErrorBody.model_validate_json(body.content).error == "invalid_client"
    path = f"/synth_contrat_auto/v1/{meters.NORMAL}"
    assert httpx.get(sandbox.base_url + path, headers={"Authorization": "Bearer nope"}).status_code == 401
    sandbox.state.limits.calls_per_second = 2
    try:
        with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {_token(sandbox)}"}) as http:
            answers = [http.get(path) for _ in range(4)]
    finally:
        sandbox.state.limits.calls_per_second = 1000
    refused = [a for a in answers if a.status_code == 429]
    assert refused and all(a.headers["Retry-After"] == "1" for a in refused)
    assert models.ErrorBody.model_validate_json(refused[0].content).code == "429"


def test_api_not_subscribed_is_900908_with_its_description(sandbox):
    token = _token(sandbox, UNSUBSCRIBED_CLIENT_ID)
    with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {token}"}) as http:
        answer = http.get(f"/comptage_auto/v1/{meters.NORMAL}")
        body = models.ErrorBody.model_validate_json(answer.content)
        assert answer.status_code == 403 and body.code == "900908" and "Subscription" in body.description
        assert http.get(f"/situation_contrat_auto/v1/{meters.NORMAL}").status_code == 200  # only some APIs


OUTSIDE = [
    ("GET", MEASURE + "courbe_de_charge_consommation", "pointId=30001234567890&dateDebut=2026-11-01", None),
    ("GET", MEASURE + "courbe_de_charge_consommation",
     "pointId=30001234567890&dateDebut=2026-11-01&dateFin=2026-11-02&pas=PT30M", None),
    ("GET", MEASURE + "courbe_de_charge_consommation",
     "pointId=30001234567890&pointId=30001234567890&dateDebut=2026-11-01&dateFin=2026-11-02", None),
    ("GET", MEASURE + "puissance_conso_max_quotidienne",
     "pointId=30001234567890&dateDebut=2026-11-01&dateFin=2026-11-02", None),  # the v5 request: no mesuresPas
    ("GET", MEASURE + "puissance_conso_max_quotidienne",
     "pointId=30001234567890&dateDebut=2026-11-01&dateFin=2026-11-02&mesuresPas=PT30M&grandeurPhysique=PMA", None),
    ("GET", MEASURE + "index_consumption", "pointId=30001234567890&dateDebut=2026-11-01&dateFin=2026-11-02", None),
    ("POST", MEASURE + "consommation_quotidienne",
     "pointId=30001234567890&dateDebut=2026-11-01&dateFin=2026-11-02", None),
    ("GET", "/situation_contrat_auto/v1", "usage_point_id=30001234567890", None),  # PRM in the query
    ("GET", "/situation_contrat_auto/v1/30001234567890", "usage_point_id=30001234567890", None),
    ("POST", "/synth_contrat_auto/v1/30001234567890", "", None),
    ("GET", "/subscribed_services/v1", "", None),
    ("POST", "/subscribed_services/v1", "", {"autorisationId": "30001234567890", "comptage": False}),
    ("POST", "/subscribed_services/v1", "", {"autorisationId": 30001234567890}),  # comptage is required
    ("POST", "/subscribed_services/v1", "", {"autorisationId": 30001234567890, "comptage": False, "prm": "x"}),
    ("GET", "/metering_data_clc/v5/consumption_load_curve",
     "usage_point_id=30001234567890&start=2026-11-01&end=2026-11-02", None),  # the retired v5
]


@pytest.mark.parametrize(("method", "path", "query", "body"), OUTSIDE)
def test_requests_outside_the_swagger_get_an_empty_500(http, method, path, query, body):
    answer = http.request(method, path + (f"?{query}" if query else ""),
                          content=orjson.dumps(body) if body is not None else None,
                          headers={"Content-Type": "application/json"} if body is not None else None)
    assert answer.status_code == 500 and answer.content == b""
