"""The one place where domain failures become Airflow's: `NonRetryableError` -> AirflowFailException.

    @task
    @fail_fast
    def collect(...): ...

A `collecte.errors.NonRetryableError` (bad credentials, API not subscribed, no consent, a failed
expectation, a request the other side rejects) fails the task at once, without the retries that
`default_args` give every task; transient failures keep going through those retries. The message
stays the domain's, which names what is wrong and what to do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from collecte.errors import NonRetryableError

P = ParamSpec("P")
R = TypeVar("R")


def as_airflow_failure(exc: NonRetryableError) -> Exception:
    """The AirflowFailException standing for `exc` (its class name and message kept)."""
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(f"{type(exc).__name__}: {exc}")


def fail_fast(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a task callable so that a NonRetryableError fails the task without retries."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except NonRetryableError as exc:
            raise as_airflow_failure(exc) from exc

    return wrapper
