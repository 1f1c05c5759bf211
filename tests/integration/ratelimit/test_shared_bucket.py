"""The deployment-wide limiter (PostgreSQL bucket): several processes hammering one bucket stay within
its rate, its hourly quota and a 429's pause, measured by the calls each process records."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from collecte.sources import ratelimit
from collecte.sources.ratelimit import PostgresRateLimiter, QuotaExhausted, RateLimiter

pytestmark = pytest.mark.services
PROCESSES = 4


def _hammer(url: str, bucket: str, rate: float, per_hour: int | None, calls: int, start: float, out) -> None:
    limiter = PostgresRateLimiter(url, bucket, rate, margin=0.1, per_hour=per_hour)  # the clients' margin
    while time.time() < start:  # every process starts at the same moment
        time.sleep(0.005)
    sent = []
    try:
        for _ in range(calls):
            limiter.acquire(max_wait=5.0)
            sent.append(time.time())
    except QuotaExhausted as exc:
        sent.append(-exc.wait)  # marks the refusal
    out.put(sent)


def run_processes(url: str, bucket: str, rate: float, per_hour: int | None, calls: int) -> list[list[float]]:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, like Celery task processes
    out = ctx.Queue()
    start = time.time() + 2.0
    procs = [ctx.Process(target=_hammer, args=(url, bucket, rate, per_hour, calls, start, out)) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=10)
        assert proc.exitcode == 0
    return results


def test_processes_sharing_a_bucket_stay_within_its_rate(pg_url):
    from collecte.warehouse.db import connect

    results = run_processes(pg_url, "enedis:metering", 5.0, 1000, calls=6)
    sent = sorted(t for times in results for t in times)
    assert len(sent) == PROCESSES * 6 and all(t > 0 for t in sent)
    with connect(pg_url) as conn:
        granted = [row[0] for row in conn.execute(
            "SELECT sent_at FROM rate_limit_call WHERE bucket = 'enedis:metering' ORDER BY sent_at")]
    assert len(granted) == len(sent)
    # no one-second window holds more than 5 calls: as the bucket granted them, and as the callers saw them
    # (these go out a little after the grant; the 0.1 s margin absorbs that)
    for times in (granted, sent):
        for index, moment in enumerate(times):
            assert sum(1 for other in times[index:] if other < moment + 1.0) <= 5, times
    # 24 calls at 5/s together need >= 4 s, where 4 independent per-process limiters would take ~1 s
    assert sent[-1] - sent[0] >= 4.0 * 0.95
    # ... and the bucket runs at its rate, not slower: callers reserve their slots, so each call is
    # granted one window (1 s + the 0.1 s margin) after the call five before it, however late the
    # processes wake up (slots their callers woke too late for are given back, not granted)
    gaps = [granted[i] - granted[i - 5] for i in range(5, len(granted))]
    assert all(1.1 - 1e-6 <= gap <= 1.1 + 0.1 for gap in gaps), gaps


def test_the_hourly_quota_holds_across_processes(pg_url):
    results = run_processes(pg_url, "enedis:contracts", 50.0, 10, calls=5)
    granted = [t for times in results for t in times if t > 0]
    refused = [t for times in results for t in times if t < 0]
    assert len(granted) == 10  # 4 processes asked for 20 calls: the hour holds 10
    # every process that did not get its 5 calls was refused (not blocked), told how long to wait
    assert len(refused) >= 2 and all(len(times) == 5 or times[-1] < 0 for times in results)
    assert all(-wait > 3000 for wait in refused)


def test_a_pause_holds_callers_of_other_processes(pg_url):
    first = PostgresRateLimiter(pg_url, "grdf", 5.0)
    other = PostgresRateLimiter(pg_url, "grdf", 5.0)
    first.acquire()
    first.pause(1.5)  # a 429 with Retry-After: 1.5 seen by one worker
    began = time.monotonic()
    other.acquire()
    assert time.monotonic() - began >= 1.3
    first.close()
    other.close()


def test_a_pause_voids_reservations_other_callers_sleep_on(pg_url):
    import threading

    first = PostgresRateLimiter(pg_url, "grdf:void", 1.0, margin=0.0)
    other = PostgresRateLimiter(pg_url, "grdf:void", 1.0, margin=0.0)
    first.acquire()  # the next slot is a second away
    returned: list[float] = []
    sleeper = threading.Thread(target=lambda: (other.acquire(), returned.append(time.monotonic())))
    sleeper.start()
    time.sleep(0.3)  # `other` holds a reservation for ~1.0 s and sleeps on it
    paused = time.monotonic()
    first.pause(2.0)  # a 429 with Retry-After: 2 seen by another caller
    sleeper.join(timeout=10)
    assert returned and returned[0] - paused >= 1.9  # it did not go at its old slot, but after the pause
    first.close()


def test_shared_limiter_picks_the_backend_from_the_environment(pg_url, monkeypatch):
    monkeypatch.setattr(ratelimit, "_SHARED", {})
    monkeypatch.delenv(ratelimit.RATE_LIMIT_URL_ENV, raising=False)
    assert isinstance(ratelimit.shared_limiter("grdf", 2.5), RateLimiter)
    assert ratelimit.share_of(5.0, 2) == 2.5
    monkeypatch.setattr(ratelimit, "_SHARED", {})
    monkeypatch.setenv(ratelimit.RATE_LIMIT_URL_ENV, pg_url)
    limiter = ratelimit.shared_limiter("enedis", 5.0, api="metering", per_hour=1000)
    assert isinstance(limiter, PostgresRateLimiter) and limiter.bucket == "enedis:metering"
    assert ratelimit.share_of(5.0, 2) == 5.0  # the bucket divides the quota, not the pool
    limiter.acquire()
    limiter.close()
