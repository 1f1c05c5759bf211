"""The client-side limiter never lets more than `rate` calls into any window, and honours pauses."""

import threading

import pytest

from collecte.sources.ratelimit import RateLimiter


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


# -- further cases (a clock that does not start at zero) --

class StartedClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_sliding_window_with_fake_clock():
    clock = StartedClock()
    limiter = RateLimiter(5, margin=0.1, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(23):
        limiter.acquire()
        stamps.append(clock.now)
    for i in range(len(stamps) - 5):
        assert stamps[i + 5] - stamps[i] >= 1.0, "6 calls within one second"
    assert stamps[-1] - stamps[0] < 5.0  # and not much slower than the limit


def test_fractional_rate_spaces_calls():
    clock = StartedClock()
    limiter = RateLimiter(2.5, margin=0.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(7):
        limiter.acquire()
        stamps.append(clock.now)
    assert all(stamps[i + 2] - stamps[i] >= 0.8 - 1e-9 for i in range(5))


def test_pause_counts_from_now_on_any_clock():
    clock = StartedClock()
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


# -- the hourly bucket (Enedis Data Connect: 1,000 calls per hour and per API) --

def test_hourly_bucket_holds_calls_within_any_hour():
    clock = StartedClock()
    limiter = RateLimiter(5, margin=0.0, per_hour=12, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(30):
        limiter.acquire()
        stamps.append(clock.now)
    for i in range(len(stamps) - 12):
        assert stamps[i + 12] - stamps[i] >= 3600.0, "13 calls within one hour"
    assert all(stamps[i + 5] - stamps[i] >= 1.0 for i in range(len(stamps) - 5))


def test_hourly_bucket_refuses_a_long_wait_without_sending():
    from collecte.sources.ratelimit import QuotaExhausted

    clock = StartedClock()
    limiter = RateLimiter(5, margin=0.0, per_hour=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire(max_wait=60)
    before = clock.now
    with pytest.raises(QuotaExhausted) as raised:
        limiter.acquire(max_wait=60)
    assert raised.value.wait > 3500 and clock.now == before  # no sleep, nothing recorded
    clock.now += 3600
    assert limiter.acquire(max_wait=60) == 0.0


def test_shared_limiters_are_per_api():
    from collecte.sources.ratelimit import shared_limiter

    one = shared_limiter("enedis-test", 5, api="mesure_synchrone_auto", per_hour=1000)
    assert one is shared_limiter("enedis-test", 5, api="mesure_synchrone_auto", per_hour=1000)
    assert one is not shared_limiter("enedis-test", 5, api="situation_contrat_auto", per_hour=1000)


# -- reservations: the schedule does not drift with late wake-ups, and a pause voids what is not due --

class LateClock(StartedClock):
    """A loaded machine: every sleep wakes `late` seconds after it was due."""

    def __init__(self, late: float) -> None:
        super().__init__()
        self.late = late

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


def test_late_wake_ups_do_not_slow_the_schedule():
    clock = LateClock(late=0.05)
    limiter = RateLimiter(5, margin=0.0, late=None, clock=clock, sleep=clock.sleep)  # sends however late
    stamps = []
    for _ in range(26):
        limiter.acquire()
        stamps.append(clock.now)
    # 26 calls at 5/s: slots at 0, 1, 2, 3, 4, 5 s; each window's first call is 0.05 s late, the
    # lateness is not carried into the next window (a sleep-then-ask-again limiter would take 5.25 s)
    assert stamps[-1] - stamps[0] == pytest.approx(5.05)
    for i in range(len(stamps) - 5):
        assert stamps[i + 5] - stamps[i] >= 1.0 - 0.05 - 1e-9


def test_a_pause_voids_a_sleeping_callers_reservation():
    clock = StartedClock()
    limiter = RateLimiter(1, margin=0.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()  # slot 100.0; the next is 101.0

    def sleep_while_another_caller_is_told_429(seconds: float) -> None:
        if not paused:
            paused.append(True)
            limiter.pause(5.0)  # at 100.0: everyone holds until 105.0, the 101.0 reservation is void
        clock.sleep(seconds)

    paused: list[bool] = []
    limiter._sleep = sleep_while_another_caller_is_told_429  # noqa: SLF001
    waited = limiter.acquire()
    assert paused and clock.now == pytest.approx(105.0) and waited == pytest.approx(5.0)
    assert limiter.acquire() == pytest.approx(1.0)  # and the schedule goes on from the new slot


def test_a_caller_too_late_for_its_slot_takes_the_next_one():
    clock = LateClock(late=0.05)
    limiter = RateLimiter(5, margin=0.0, late=0.02, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(16):
        limiter.acquire()
        stamps.append(clock.now)
    # every window's first slot is given up (its caller woke 0.05 s late) and the call goes in the
    # next one: the calls as sent are never closer than the window, lateness included
    assert limiter.given_up == 3
    for i in range(len(stamps) - 5):
        assert stamps[i + 5] - stamps[i] >= 1.0 - 1e-9
