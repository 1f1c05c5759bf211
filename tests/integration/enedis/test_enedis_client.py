"""The Data Connect client against the sandbox: token, every error code, retries, rate limit."""

import time
from datetime import date

import pytest

from collecte.sources.enedis import errors
from collecte.sources.enedis.dataconnect import _TOKENS, DataConnectClient
from sandbox.enedis import meters
from sandbox.enedis.state import CLIENT_ID

CURVE = "courbe_de_charge_consommation"
pytestmark = pytest.mark.timeout(60)


def test_token_is_cached_and_renewed_after_expiry(enedis, dc_client):
    _TOKENS.clear()
    enedis.state.limits.token_ttl_seconds = 60  # the client renews a minute before expiry
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 2), date(2026, 11, 3))
    assert enedis.state.stats.by_resource["oauth2"] == 2  # < 60 s left: renewed for the second call
    enedis.state.limits.token_ttl_seconds = 12600
    _TOKENS.clear()
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 2), date(2026, 11, 3))
    assert enedis.state.stats.by_resource["oauth2"] == 3


def test_an_expired_token_is_refreshed_once_on_401(enedis, dc_client):
    _TOKENS.clear()
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    enedis.state.tokens.clear()  # the operator forgot our token
    body = dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    assert body.startswith(b"{") and enedis.state.stats.by_status[401] == 1


def test_wrong_credentials_fail_without_retry(enedis):
    client = DataConnectClient(enedis.base_url, CLIENT_ID, "wrong", backoff_base=0.01)
    _TOKENS.clear()
    with pytest.raises(errors.AuthenticationFailed):
        client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    assert "wrong" not in repr(client)


@pytest.mark.parametrize(("prm", "resource", "first", "end", "expected", "code"), [
    (meters.CONSENT_REVOKED, CURVE, "2026-11-01", "2026-11-02", errors.NoConsent, "ADAM-DC-0008"),
    (meters.MOVED_OUT, CURVE, "2026-11-01", "2026-11-02", errors.MovedOut, "ADAM-DC-0007"),
    (meters.LATE_CONSENT, "consommation_quotidienne", "2026-08-01", "2026-09-15", errors.BeforeConsent,
     "ADAM-DC-0009"),
    (meters.NORMAL, CURVE, "2026-11-01", "2026-11-09", errors.RequestRejected, "ADAM-DC-0015"),
    (meters.NORMAL, CURVE, "2024-01-01", "2024-01-02", errors.HistoryLimit, "ADAM-DC-0016"),
    (meters.RECENT, CURVE, "2026-05-01", "2026-05-08", errors.BeforeActivation, "ADAM-ERR0123"),
    (meters.PRODUCER, CURVE, "2026-11-01", "2026-11-02", errors.WrongDirection, "ADAM-ERR0069"),
    (meters.NORMAL, CURVE, "2026-11-02", "2026-11-01", errors.RequestRejected, "invalid_request"),
    (meters.NORMAL, CURVE, "2026-11-20", "2026-11-21", errors.RequestRejected, "invalid_request"),
    (meters.CURVE_NOT_ACTIVATED, CURVE, "2026-11-01", "2026-11-02", errors.CurveNotActivated, "ADAM-ERR0075"),
])
def test_every_error_code(enedis, dc_client, prm, resource, first, end, expected, code):
    with pytest.raises(expected) as raised:
        dc_client.measure(resource, prm, date.fromisoformat(first), date.fromisoformat(end))
    assert raised.value.code == code
    assert dc_client.retried == 0  # none of these is retried


def test_transient_500_is_retried_then_succeeds(enedis, dc_client):
    enedis.state.faults.fail_next = 2
    body = dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    assert b"PT30M" in body and dc_client.retried == 2
    assert enedis.state.stats.by_status[500] == 2


def test_persistent_500_raises_transient(enedis, dc_client):
    enedis.state.faults.fail_next = 100
    from sandbox.enedis.state import CLIENT_SECRET

    client = DataConnectClient(enedis.base_url, CLIENT_ID, CLIENT_SECRET, max_attempts=3, backoff_base=0.05)
    with pytest.raises(errors.Transient) as raised:
        client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    assert raised.value.code == "ADAM-DC-0500" and client.retried == 2


def test_timeouts_are_retried(enedis, dc_client):
    from collecte.errors import TransientError
    from sandbox.enedis.state import CLIENT_SECRET

    enedis.state.faults.timeout_rate = 1.0
    enedis.state.faults.hang_seconds = 1.0
    client = DataConnectClient(enedis.base_url, CLIENT_ID, CLIENT_SECRET, timeout=0.3, max_attempts=2,
                               backoff_base=0.05)
    with pytest.raises(TransientError, match="no answer in time"):
        client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    assert client.retried == 1
    enedis.state.faults.timeout_rate = 0.0
    assert client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))


def test_429_retry_after_is_honoured(enedis):
    from collecte.sources.ratelimit import RateLimiter
    from sandbox.enedis.state import CLIENT_SECRET

    # a client that believes it may send 20/s: the sandbox answers 429 with Retry-After, it waits and succeeds
    greedy = DataConnectClient(enedis.base_url, CLIENT_ID, CLIENT_SECRET, limiter=RateLimiter(20),
                               backoff_base=0.01)
    started = time.monotonic()
    for day in range(1, 13):
        greedy.measure(CURVE, meters.NORMAL, date(2026, 10, day), date(2026, 10, day + 1))
    assert enedis.state.stats.rate_limited >= 1
    assert time.monotonic() - started >= 1.0  # it did wait the Retry-After second


def test_hourly_quota_gives_up_with_a_transient_error(enedis, dc_client):
    enedis.state.limits.calls_per_hour = 2
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 2), date(2026, 11, 3))
    with pytest.raises(errors.Transient, match="quota of mesure_synchrone_auto reached.*retry in 3[56]"):
        dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 3), date(2026, 11, 4))


def test_the_shared_limiter_keeps_a_normal_run_under_the_limit(enedis, dc_client):
    from concurrent.futures import ThreadPoolExecutor

    def one(day):
        return dc_client.measure(CURVE, meters.NORMAL, date(2026, 10, day), date(2026, 10, day + 1))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(1, 21)))
    # the 0.08 s margin absorbs network jitter; on a loaded 2-core machine a thread can still be late
    assert enedis.state.stats.rate_limited <= 2


@pytest.mark.parametrize("resource", ["consommation_quotidienne", "courbe_de_charge_consommation",
                                      "puissance_conso_max_quotidienne", "index_consommation"])
def test_every_measure_request_is_inside_the_swagger(enedis, dc_client, resource):
    # the sandbox answers an empty 500 to any parameter too many or missing (e.g. max power without
    # mesuresPas=P1D&grandeurPhysique=PMA): a 200 proves the request is exactly the Swagger's
    body = dc_client.measure(resource, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 3))
    assert body.startswith(b"{") and enedis.state.stats.by_status.get(500, 0) == 0


@pytest.mark.parametrize("resource", ["situation_contrat_auto", "synth_contrat_auto", "comptage_auto",
                                      "donnees_generales_auto"])
def test_contract_apis_take_the_prm_in_the_path(enedis, dc_client, resource):
    assert dc_client.contract(resource, meters.NORMAL)[:1] in (b"{", b"[")
    assert enedis.state.stats.by_status.get(500, 0) == 0


def test_subscribed_services_with_an_integer_authorization(enedis, dc_client):
    from sandbox.enedis.dataconnect import authorization_id

    answer = dc_client.subscribed_services(str(authorization_id(meters.NORMAL)))  # the redirect gives text
    assert answer["nbTotalServices"] == len(answer["serviceSouscrit"]) > 0
    assert {s["etatCode"] for s in answer["serviceSouscrit"]} == {"ACTIF"}


def test_each_api_has_its_own_hourly_quota(enedis, dc_client):
    enedis.state.limits.calls_per_hour = 2
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 2), date(2026, 11, 3))
    assert dc_client.contract("situation_contrat_auto", meters.NORMAL)  # another API, another quota
    with pytest.raises(errors.Transient, match="quota of mesure_synchrone_auto"):
        dc_client.measure(CURVE, meters.NORMAL, date(2026, 11, 3), date(2026, 11, 4))


def test_the_client_side_hourly_bucket_stops_before_the_operator_refuses(enedis):
    from sandbox.enedis.state import CLIENT_SECRET

    client = DataConnectClient(enedis.base_url, CLIENT_ID, CLIENT_SECRET, calls_per_hour=2, max_retry_after=5)
    client.measure(CURVE, meters.NORMAL, date(2026, 11, 1), date(2026, 11, 2))
    client.measure(CURVE, meters.NORMAL, date(2026, 11, 2), date(2026, 11, 3))
    with pytest.raises(errors.Transient, match="hourly quota of mesure_synchrone_auto"):
        client.measure(CURVE, meters.NORMAL, date(2026, 11, 3), date(2026, 11, 4))
    assert enedis.state.stats.rate_limited == 0 and enedis.state.stats.calls == 2  # never sent the third
