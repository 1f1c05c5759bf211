"""The client against the sandbox: faults, truncation, rate limit, token refresh, error meanings."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from collecte.sources.grdf import (
    AuthenticationFailed,
    OutOfScope,
    TransientError,
    TruncatedStream,
    collect_pce,
)
from collecte.sources.grdf.errors import HistoryLimit, UnknownPce

from .conftest import make_client

pytestmark = [pytest.mark.timeout(60)]
T2 = "21100000000001"


def _daily(client, sandbox, days: int = 5):
    today = sandbox.state.today()
    return client.consumption("daily", T2, today - timedelta(days=days), today, today=today)


@pytest.mark.parametrize("fault", ["500", "timeout", "truncate", "429"])
def test_transient_faults_are_retried(adict, client, fault):
    adict.state.inject(fault, 2)
    answers, _ = _daily(client, adict)
    assert len(answers[0][2].records) == 5
    assert client.stats["retries"] == 2


def test_persistent_truncation_raises_and_lands_nothing(adict, client, raw_zone, conn):
    adict.state.inject("truncate", 10)
    today = adict.state.today()
    with pytest.raises(TruncatedStream, match="no status line|no final status line"):
        collect_pce(client, T2, today - timedelta(days=5), today, ["daily"], raw_zone, conn, today=today)
    assert raw_zone.keys("raw/") == [] and conn.execute("SELECT count(*) FROM gas_consumption").fetchone()[0] == 0
    assert client.stats["retries"] == client.max_attempts - 1


def test_persistent_server_error_raises_transient(adict, client):
    adict.state.inject("500", 10)
    with pytest.raises(TransientError, match="HTTP 500"):
        _daily(client, adict)


def test_429_retry_after_is_honoured(adict, client):
    adict.state.inject("429")
    started = time.monotonic()
    _daily(client, adict)
    assert time.monotonic() - started >= 0.95, "waited the Retry-After second"


def test_normal_run_stays_under_the_rate_limit(adict, client, raw_zone, conn):
    today = adict.state.today()
    for pce in ("21100000000001", "21100000000002", "GI000123"):
        collect_pce(client, pce, today - timedelta(days=2), today, ["consumption", "daily", "contract", "technical"],
                    raw_zone, conn, today=today)
    assert adict.state.stats["calls"] >= 15
    assert adict.state.stats["throttled"] == 0


def test_without_client_limit_the_sandbox_throttles_and_the_client_still_completes(adict):
    with make_client(adict, rate=1000, max_attempts=6) as greedy:
        for _ in range(12):
            _daily(greedy, adict, days=1)
        assert adict.state.stats["throttled"] > 0 and greedy.stats["throttled"] == adict.state.stats["throttled"]


def test_token_cached_and_refreshed_on_401(adict, client):
    _daily(client, adict)
    _daily(client, adict)
    assert client.stats["token_requests"] == 1
    adict.state.tokens.clear()  # server forgot the token (expiry, restart)
    _daily(client, adict)
    assert client.stats["token_refreshes"] == 1 and client.stats["token_requests"] == 2


def test_short_lived_token_fetched_again_before_expiry(adict):
    assert adict.state.token_ttl_s == 14_400, "ADICT tokens live about 4 hours"
    adict.state.token_ttl_s = 2  # shorter than the client's one-minute margin: renewed at half-life
    with make_client(adict) as c:
        _daily(c, adict)
        _daily(c, adict)
        assert c.stats["token_requests"] == 1, "reused while valid"
        time.sleep(1.1)
        _daily(c, adict)
        assert c.stats["token_requests"] == 2 and c.stats["token_refreshes"] == 0, "renewed before any 401"


def test_wrong_secret_fails_at_once(adict):
    with make_client(adict, secret="wrong") as c, pytest.raises(AuthenticationFailed, match="invalid_client"):
        _daily(c, adict)
    assert adict.state.stats["tokens"] == 0


def test_error_meanings_from_the_sandbox(adict, client):
    today = adict.state.today()
    with pytest.raises(UnknownPce, match="inconnu"):
        client.point_data("contract", "21900000000001")
    with pytest.raises(HistoryLimit, match="profondeur"):
        client.call("GET", f"/pce/{T2}/donnees_consos_informatives",
                    params={"date_debut": (today - timedelta(days=4 * 365)).isoformat(), "date_fin": today.isoformat()})
    adict.state.seed_right("collecte-demo", "21100000000088", "Active", perim_donnees_techniques="Faux",
                           perim_donnees_conso_debut=(today - timedelta(days=30)).isoformat())
    with pytest.raises(OutOfScope, match="exclut"):
        client.point_data("technical", "21100000000088")
    with pytest.raises(OutOfScope, match="hors du périmètre") as info:
        client.consumption("daily", "21100000000088", today - timedelta(days=60), today, today=today)
    assert info.value.code == "1000000004"
    assert "secret" not in repr(client) and "collecte-demo-secret" not in repr(client)


def test_random_fault_rate_is_survived(adict, client, raw_zone, conn):
    adict.state.fault_rate = 0.3
    adict.state.timeout_delay_s = 0.9
    today = adict.state.today()
    with make_client(adict, max_attempts=8) as patient:
        summary = collect_pce(patient, T2, today - timedelta(days=30), today, ["daily", "contract"], raw_zone, conn,
                              today=today)
        assert summary.status == "OK" and summary.kinds["daily"].records == 30
        assert adict.state.stats["status_500"] + patient.stats["retries"] > 0
