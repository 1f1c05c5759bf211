"""Client-side rate limit shared by every call of one source in this process.

ADICT allows 5 calls per second per client. Airflow's pool `grdf` bounds how many tasks call at
once; each process divides the rate by the pool's slots (see `collecte.dags.grdf`), so all of
them together stay under the limit. The limiter is a sliding window, like the server's, with a
margin (0.2 s) for network jitter; a 429 pauses every caller of the process for its Retry-After.
Hand-written because it is 40 lines and must also honour server-imposed pauses.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `rate` calls in any `window` seconds (thread-safe, blocking)."""

    def __init__(self, rate: float, window: float = 1.0, *, margin: float = 0.2,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.capacity = max(1, int(rate * window))
        self.window = self.capacity / rate + margin
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def acquire(self) -> float:
        """Wait until a call may be sent; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                delay = max(self._paused_until - now,
                            self._sent[0] + self.window - now if len(self._sent) >= self.capacity else 0.0)
                if delay <= 0:
                    self._sent.append(now)
                    return waited
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (the server said Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


_SHARED: dict[str, RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(source: str, rate: float) -> RateLimiter:
    """The process-wide limiter of `source` (created at the first call with `rate`)."""
    with _SHARED_LOCK:
        if source not in _SHARED:
            _SHARED[source] = RateLimiter(rate)
        return _SHARED[source]
