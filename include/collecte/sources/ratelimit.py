"""Client-side rate limit shared by every call of one source (and API) in this process.

Operators cap calls per client: Enedis Data Connect 5 per second AND 1,000 per hour, per API (each
Swagger says so); GRDF ADICT 5 per second. Airflow's pool of the source bounds how many tasks call
at once; each process takes `rate / pool slots`, so all of them together stay under the limit.
Inside a task, threads share one limiter. Each bucket is a sliding window like the servers', with a
margin for network jitter, and a 429 pauses every caller of the process for its Retry-After. An
hourly bucket that would make a caller wait longer than `max_wait` raises `QuotaExhausted` instead
of blocking a worker for up to an hour (the task is retried later). Hand-written: it is short and
must honour server-imposed pauses, which generic token-bucket packages do not.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class QuotaExhausted(RuntimeError):
    """The next call would have to wait `wait` seconds (more than the caller accepts)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"quota used up: the next call is allowed in {wait:.0f} s")
        self.wait = wait


class RateLimiter:
    """At most `rate` calls in any `window` seconds and, with `per_hour`, that many in any hour (thread-safe)."""

    def __init__(self, rate: float, window: float = 1.0, *, margin: float = 0.1, per_hour: int | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or (per_hour is not None and per_hour <= 0):
            raise ValueError("rates must be positive")
        self.capacity = max(1, int(rate * window))
        self.window = self.capacity / rate + margin
        self.per_hour = per_hour
        self._sent: deque[float] = deque()
        self._hour: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep
        self.waited = 0.0

    def _delay(self, now: float) -> tuple[float, float]:
        """(delay before the next call, the part of it due to the hourly bucket); lock held."""
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        while self._hour and self._hour[0] <= now - 3600.0:
            self._hour.popleft()
        second = self._sent[0] + self.window - now if len(self._sent) >= self.capacity else 0.0
        hour = self._hour[0] + 3600.0 - now if self.per_hour and len(self._hour) >= self.per_hour else 0.0
        return max(self._paused_until - now, second, hour), hour

    def acquire(self, max_wait: float | None = None) -> float:
        """Wait until a call may be sent; return the seconds waited.

        Raises QuotaExhausted (sending nothing) when the hourly bucket would make it wait more than `max_wait`.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay, hourly = self._delay(now)
                if max_wait is not None and hourly > max_wait:
                    raise QuotaExhausted(hourly)
                if delay <= 0:
                    self._sent.append(now)
                    if self.per_hour:
                        self._hour.append(now)
                    self.waited += waited
                    return waited
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (the server answered 429 with Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


_SHARED: dict[tuple[str, str, float, int | None], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(source: str, rate: float, *, margin: float = 0.1, api: str = "",
                   per_hour: int | None = None) -> RateLimiter:
    """The process-wide limiter of `source` (and `api`, for operators whose quotas are per API)."""
    with _SHARED_LOCK:
        return _SHARED.setdefault((source, api, rate, per_hour), RateLimiter(rate, margin=margin, per_hour=per_hour))
