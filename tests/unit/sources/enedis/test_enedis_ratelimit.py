"""The client-side limiter never lets more than `rate` calls into any window, and honours pauses."""

import threading

from collecte.sources.enedis.ratelimit import RateLimiter


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.now += seconds


def test_no_window_holds_more_than_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep, margin=0.0)
    sent = []
    for _ in range(23):
        limiter.acquire()
        sent.append(clock.now)
    for index, moment in enumerate(sent):
        assert sum(1 for other in sent[index:] if other < moment + 1.0) <= 5
    assert sent[-1] >= 4.0  # 23 calls at 5/s need at least 4 s


def test_pause_holds_every_caller():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(3.0)
    waited = limiter.acquire()
    assert waited >= 3.0 and clock.now >= 3.0
