"""The two kinds of failure every part of collecte tells apart: worth a retry, or not.

    NonRetryableError   bad credentials, API not subscribed, no consent, a failed expectation, a
                        request the other side rejects: retrying changes nothing, a person must act.
                        Inside Airflow, `collecte.airflow.errors.fail_fast` turns it into
                        AirflowFailException (the task fails at once, no retry).
    TransientError      an outage, a timeout, a cut connection, a body cut short or unparsable,
                        429/5xx: retried where it happens (collecte.sources.http), then by Airflow.

Domain errors derive from one of them (multiple inheritance keeps their own hierarchy). This module
imports nothing: domain modules stay importable without Airflow.
"""

from __future__ import annotations


class NonRetryableError(RuntimeError):
    """A failure that a retry cannot fix: the task fails at once and names what a person must do."""

    retryable = False


class TransientError(RuntimeError):
    """A failure worth retrying: `retry_after` is the wait the server asked for, in seconds, if any."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def is_transient(exc: BaseException) -> bool:
    """True when `exc` is worth retrying: a TransientError, or a domain error flagged `retryable`."""
    if isinstance(exc, NonRetryableError):
        return False
    return isinstance(exc, TransientError) or getattr(exc, "retryable", False) is True
