"""The operators' clients (Enedis Data Connect, GRDF ADICT) through 30 % injected faults, token
endpoints included: every answer equals what the stand-in serves without faults."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.faults.proxy import FaultProxy

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]
ALL = ("500", "503", "429", "reset", "stall", "short")


@pytest.fixture
def enedis(tmp_path):
    from sandbox.enedis import start_enedis

    sandbox = start_enedis(0, tmp_path / "m023", today=date(2026, 11, 20))
    sandbox.state.limits.calls_per_second = 200
    yield sandbox
    sandbox.stop()


def _dataconnect(base_url):
    from collecte.sources.enedis.dataconnect import _TOKENS, DataConnectClient
    from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET

    _TOKENS.clear()  # every client fetches its token (through the faults too)
    return DataConnectClient(base_url, CLIENT_ID, CLIENT_SECRET, calls_per_second=150, timeout=0.5,
                             max_attempts=10, backoff_base=0.02, max_backoff=0.2)


def test_dataconnect_answers_whole_through_faults(enedis):
    from sandbox.enedis import meters

    calls = [("consommation_quotidienne", prm, date(2026, 10, 1) + timedelta(days=7 * n), 7)
             for prm in (meters.NORMAL, meters.GAPS, meters.C4_10MIN) for n in range(5)]
    calls += [("courbe_de_charge_consommation", meters.NORMAL, date(2026, 11, 1) + timedelta(days=n), 1)
              for n in range(10)]

    def fetch_all(client):
        return [client.measure(res, prm, first, first + timedelta(days=days)) for res, prm, first, days in calls]

    with _dataconnect(enedis.base_url) as client:
        truth = fetch_all(client)
    with FaultProxy(enedis.base_url, rate=0.3, seed=21, stall=1.0, retry_after=0) as proxy:
        for _ in range(3):  # three clients, three tokens: the token endpoint goes through the faults too
            with _dataconnect(proxy.url) as client:
                assert fetch_all(client) == truth
    assert {f for f in proxy.counts if f != "passed"} == set(ALL)
    assert any(path.startswith("/oauth2") and fault for _, path, fault in proxy.log), "no fault on the token"


def test_adict_answers_whole_through_faults():
    from collecte.sources.grdf.client import AdictClient
    from collecte.sources.ratelimit import RateLimiter
    from sandbox.grdf import start_grdf
    from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    sandbox = start_grdf(0)
    try:
        today = sandbox.state.today()
        pces = ["21100000000001", "21100000000002"]

        def fetch_all(base):
            results = []
            for _ in range(8):  # a new client each time: a token fetched each time
                with AdictClient(base + sandbox.api_url.removeprefix(sandbox.base_url),
                                 base + sandbox.token_url.removeprefix(sandbox.base_url), DEMO_CLIENT_ID,
                                 DEMO_CLIENT_SECRET, limiter=RateLimiter(100), timeout=0.5, max_attempts=10,
                                 backoff_s=0.02, max_backoff_s=0.2) as client:
                    for pce in pces:
                        answers, _ = client.consumption("daily", pce, today - timedelta(days=40), today, today=today)
                        results.append([a.raw for _, _, a in answers])
                        results.append(client.point_data("contract", pce).raw)
            return results

        truth = fetch_all(sandbox.base_url)
        with FaultProxy(sandbox.base_url, rate=0.3, seed=22, stall=1.0, retry_after=0) as proxy:
            assert fetch_all(proxy.url) == truth
        assert {f for f in proxy.counts if f != "passed"} == set(ALL)
    finally:
        sandbox.stop()
