"""One retry policy for every call that crosses a network: HTTP APIs, S3, the warehouse.

`retrying(call, ...)` runs a call until it returns, retrying the failures a predicate calls
transient (by default `collecte.errors.is_transient`) with exponential backoff and jitter, or the
wait the server asked for (`retry_after` on the exception). tenacity does the looping (stop,
wait, predicate, log before each sleep); this module only says when and how long.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from collecte.errors import is_transient

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Timeouts and retries of one client. Defaults keep a call's worst case (all attempts with their
    waits) around three minutes, well under the tasks' execution timeouts."""

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 20.0
    max_retry_after: float = 60.0
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0

    def backoff_delay(self, retry: int, rng: random.Random | None = None) -> float:
        """Wait before retry number `retry` (1-based): exponential, capped, half of it jittered."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def retrying(call: Callable[[], T], *, what: str, policy: RetryPolicy,
             sleep: Callable[[float], None] = time.sleep, stats: Counter[str] | None = None,
             rng: random.Random | None = None, transient: Callable[[BaseException], bool] = is_transient) -> T:
    """Run `call` until it returns, retrying failures `transient` accepts (by default
    `collecte.errors.is_transient`) with backoff or the server's Retry-After; anything else, or the
    last failure, is raised as is."""
    from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

    def asked_wait(state: RetryCallState) -> float | None:
        exc = state.outcome.exception() if state.outcome else None
        return getattr(exc, "retry_after", None)

    def too_long(state: RetryCallState) -> bool:
        asked = asked_wait(state)
        return asked is not None and asked > policy.max_retry_after

    def wait(state: RetryCallState) -> float:
        asked = asked_wait(state)
        return asked if asked is not None else policy.backoff_delay(state.attempt_number, rng)

    def before_sleep(state: RetryCallState) -> None:
        if stats is not None:
            stats["retries"] += 1
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s; retry %d/%d in %.1f s", exc if str(exc).startswith(what) else f"{what}: {exc}",
                    state.attempt_number, policy.attempts - 1, state.upcoming_sleep)

    retryer = Retrying(stop=stop_after_attempt(policy.attempts) | too_long, wait=wait,
                       retry=retry_if_exception(transient), sleep=sleep, before_sleep=before_sleep,
                       reraise=True)
    return retryer(call)


