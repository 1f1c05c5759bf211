"""ADICT errors, mapped to what the collection does about them.

| class | when | what the collection does |
|---|---|---|
| `NoActiveAccessRight` | 403, no right on the PCE or a right that is not Active | PCE flagged NO_CONSENT, not retried |
| `OutOfScope` | 403, the right's perimeter excludes the data or the period; 404 unknown PCE | kind skipped with the reason |
| `HistoryLimit` (an `OutOfScope`) | 400, `date_debut` before 5 years (published) / 3 years (informative) | skipped with the reason |
| `RequestRejected` | other 400 / 409 (invalid field, impossible transition) | fails at once, message from ADICT |
| `AuthenticationFailed` | token refused (wrong client id, secret or scope) | fails at once, not retried |
| `TransientError` | 429, 5xx, timeouts, connection errors | retried with backoff, honouring Retry-After |
| `TruncatedStream` (a `TransientError`) | an answer without its final status line | retried; never loaded as if complete |

Each class has a stable `code_word` (the command line prints it on stderr). The sources give no
list of ADICT's `code_statut_traitement` error values: `_BY_CODE` holds the sandbox's own codes
and the HTTP status decides when the code is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collecte.errors import NonRetryableError
from collecte.errors import TransientError as _Transient

OK_STATUS = "0000000000"


class AdictError(RuntimeError):
    """An ADICT call that did not succeed; `code` is ADICT's `code_statut_traitement`."""

    retryable = False
    code_word = "ADICT_ERROR"

    def __init__(self, message: str, *, http_status: int | None = None, code: str | None = None,
                 details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)  # cooperative: reaches collecte.errors' base of the subclass
        self.http_status = http_status
        self.code = code
        self.details = dict(details or {})


class TransientError(AdictError, _Transient):
    """Worth retrying: rate limit, server error, timeout, cut connection."""

    code_word = "UNAVAILABLE"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TruncatedStream(TransientError):
    """The NDJSON answer ended without its status line: data may be missing."""

    code_word = "TRUNCATED"


class ProtocolError(AdictError, NonRetryableError):
    """An answer that is not ADICT's NDJSON (a line that is not JSON, a misplaced status line)."""

    code_word = "PROTOCOL_ERROR"


class AuthenticationFailed(AdictError, NonRetryableError):
    """The token endpoint refused the client's credentials or scope."""

    code_word = "AUTH_FAILED"


class NoActiveAccessRight(AdictError, NonRetryableError):
    """No Active access right on the PCE: collection is not allowed; `state` is ADICT's state, if any."""

    code_word = "NO_CONSENT"

    @property
    def state(self) -> str | None:
        """`etat_droit_acces` of the right ADICT found, None when there is none."""
        return self.details.get("etat_droit_acces")


class OutOfScope(AdictError, NonRetryableError):
    """The data or period asked for lies outside what may be collected for this PCE."""

    code_word = "OUT_OF_SCOPE"


class HistoryLimit(OutOfScope):
    """The period starts before ADICT's history depth."""

    code_word = "HISTORY_LIMIT"


class UnknownPce(OutOfScope):
    """GRDF does not know this PCE."""

    code_word = "UNKNOWN_PCE"


class RequestRejected(AdictError, NonRetryableError):
    """ADICT rejected the request itself (invalid parameter or declaration field, bad transition)."""

    code_word = "REJECTED"


_BY_CODE: dict[str, type[AdictError]] = {
    "1000000001": NoActiveAccessRight,
    "1000000002": NoActiveAccessRight,
    "1000000003": OutOfScope,
    "1000000004": OutOfScope,
    "2000000002": HistoryLimit,
    "2000000003": RequestRejected,
    "2000000001": RequestRejected,
    "2000000004": RequestRejected,
    "3000000001": UnknownPce,
    "3000000002": RequestRejected,
}


def error_for(http_status: int, status_line: Mapping[str, Any] | None, *,
              retry_after: float | None = None, what: str = "") -> AdictError:
    """The error an answer stands for, from its HTTP status and its status line."""
    line = dict(status_line or {})
    code = line.get("code_statut_traitement")
    message = line.get("message_retour_traitement") or f"HTTP {http_status}"
    text = f"ADICT {what + ': ' if what else ''}{message} (HTTP {http_status}, code {code or '-'})"
    details = {k: v for k, v in line.items() if k not in ("code_statut_traitement", "message_retour_traitement")}
    if http_status == 429 or http_status >= 500:
        return TransientError(text, retry_after=retry_after, http_status=http_status, code=code, details=details)
    cls = _BY_CODE.get(str(code))
    if cls is None:
        cls = {401: AuthenticationFailed, 403: NoActiveAccessRight, 404: UnknownPce}.get(http_status, RequestRejected)
    return cls(text, http_status=http_status, code=code, details=details)
