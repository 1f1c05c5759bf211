"""The client-side limiter never lets more than `rate` calls into any window."""

from __future__ import annotations

import threading

import pytest

from collecte.sources.grdf.ratelimit import RateLimiter

pytestmark = pytest.mark.timeout(10)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_sliding_window_with_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(5, margin=0.1, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(23):
        limiter.acquire()
        stamps.append(clock.now)
    for i in range(len(stamps) - 5):
        assert stamps[i + 5] - stamps[i] >= 1.0, "6 calls within one second"
    assert stamps[-1] - stamps[0] < 5.0  # and not much slower than the limit


def test_fractional_rate_spaces_calls():
    clock = FakeClock()
    limiter = RateLimiter(2.5, margin=0.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(7):
        limiter.acquire()
        stamps.append(clock.now)
    assert all(stamps[i + 2] - stamps[i] >= 0.8 - 1e-9 for i in range(5))


def test_pause_holds_every_caller():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(2.0)
    assert limiter.acquire() == pytest.approx(2.0)


def test_threads_share_the_limit():
    limiter = RateLimiter(20, margin=0.02)
    import time

    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(10):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 40
    assert all(stamps[i + 20] - stamps[i] >= 0.99 for i in range(len(stamps) - 20))
