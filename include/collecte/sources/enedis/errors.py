"""Enedis answers mapped to what they mean for collection.

| answer | class | what the collection does |
|---|---|---|
| 403 ADAM-DC-0008 | NoConsent | meter flagged NO_CONSENT, no retry, other kinds skipped |
| 403 ADAM-DC-0007 | MovedOut | meter flagged MOVED_OUT (customer left), no retry |
| 403 ADAM-DC-0009 | BeforeConsent | a history wall: paging back stops, remembered |
| 400 ADAM-DC-0016 | HistoryLimit | a history wall at the operator's limit |
| 400 ADAM-ERR0123 | BeforeActivation | a history wall at the meter's last activation date |
| 400 ADAM-ERR0069 | WrongDirection | kind flagged WRONG_DIRECTION (e.g. production-only point) |
| 404 no_data_found | NoData | gap recorded, not a failure |
| ADAM-ERR0075 | CurveNotActivated | kind flagged CURVE_NOT_ACTIVATED (recording off on the meter), no retry |
| 403 900908 | ApiNotSubscribed | API_NOT_SUBSCRIBED: our application lacks this API on Enedis's portal; an operator
  configuration problem: alert, never retried, the API is not called again by this process |
| 400 ADAM-DC-0015, invalid_request | RequestRejected | a bug on our side: fail, no retry |
| 401 invalid_client | AuthenticationFailed | credentials wrong: fail, no retry |
| 429, 5xx (ADAM-DC-0500), timeouts | Transient | retried with backoff, then Airflow retries |

Error bodies come in two forms and both are read: `{"error", "error_description"}` (seen on real
answers, e.g. ADAM-ERR0123, and OAuth errors) and `{"code", "message"}` (every Swagger's form; 900908
adds `description`; `comptage_auto`'s Swagger also declares `{code, libelle}`). A 500 with an empty
body is what Enedis answers to a request outside its Swagger as well as to an outage: retried as
transient, and our requests are tested against the sandbox's Swagger-strict checks so it means an outage.
"""

from __future__ import annotations

from typing import Any

from collecte.errors import NonRetryableError, TransientError


class EnedisError(RuntimeError):
    """An Enedis answer that is not data; `code` is the operator's error code.

    Every subclass is either a collecte.errors.NonRetryableError (a person must act, or it is an
    answer the collection handles) or a TransientError (worth a retry).
    """

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class Refusal(EnedisError, NonRetryableError):
    """An answer no retry will change."""


class NoConsent(Refusal):
    """No or revoked consent for this point (ADAM-DC-0008)."""

    meter_status = "NO_CONSENT"


class MovedOut(NoConsent):
    """The customer moved out of the point (ADAM-DC-0007)."""

    meter_status = "MOVED_OUT"


class HistoryWall(Refusal):
    """Nothing can be asked before some day for this point: stop paging back."""


class HistoryLimit(HistoryWall):
    """Before the operator's history limit (ADAM-DC-0016)."""


class BeforeActivation(HistoryWall):
    """Before the meter's last activation date (ADAM-ERR0123)."""


class BeforeConsent(HistoryWall):
    """Before the consent's start (ADAM-DC-0009)."""


class WrongDirection(Refusal):
    """This point has no measures in this direction (ADAM-ERR0069)."""


class NoData(Refusal):
    """No measure for this point and period (404 no_data_found): a gap, not a failure."""


class CurveNotActivated(NoData):
    """The load curve is not recorded on this meter (ADAM-ERR0075): nothing to collect until activated."""

    meter_status = "CURVE_NOT_ACTIVATED"


class ApiNotSubscribed(Refusal):
    """Our application is not subscribed to this API on Enedis's portal (900908): fix the configuration."""

    meter_status = "API_NOT_SUBSCRIBED"
    configuration_problem = True


class RequestRejected(Refusal):
    """A malformed request (invalid_request, ADAM-DC-0015): our bug, never retried."""


class AuthenticationFailed(Refusal):
    """Client credentials refused."""


class Transient(EnedisError, TransientError):
    """Worth retrying later: 429, 5xx, timeouts; `retry_after` is the wait the server asked for."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 retry_after: float | None = None) -> None:
        EnedisError.__init__(self, message, status=status, code=code)
        self.retry_after = retry_after


class SgeFault(Refusal):
    """An SGE SOAP Fault; `code` is the SGT result code."""


_BY_CODE: dict[str, type[EnedisError]] = {
    "ADAM-DC-0008": NoConsent, "ADAM-DC-0007": MovedOut, "ADAM-DC-0009": BeforeConsent,
    "ADAM-DC-0016": HistoryLimit, "ADAM-ERR0123": BeforeActivation, "ADAM-ERR0069": WrongDirection,
    "no_data_found": NoData, "ADAM-DC-0015": RequestRejected, "invalid_request": RequestRejected,
    "invalid_client": AuthenticationFailed, "unsupported_grant_type": AuthenticationFailed,
    "ADAM-DC-0500": Transient, "ADAM-ERR0075": CurveNotActivated, "900908": ApiNotSubscribed,
}


def error_code(body: dict[str, Any] | None) -> tuple[str, str]:
    """(code, description) of an error body in either form; empty strings when absent."""
    body = body or {}
    code = body.get("error") or body.get("code") or ""
    text = [body.get(k) for k in ("error_description", "message", "libelle", "description")]
    return str(code).strip(), " ".join(str(t).strip() for t in text if t).strip()


def error_for(status: int, body: dict[str, Any] | None, what: str) -> EnedisError:
    """The exception an error answer stands for; `what` names the call (no secrets)."""
    code, description = error_code(body)
    kind = _BY_CODE.get(code)
    if kind is None:
        kind = Transient if status == 429 or status >= 500 else \
            NoData if status == 404 else AuthenticationFailed if status == 401 else RequestRejected
    if body is None and status >= 500:
        description = "(empty body: an outage, or a request outside the Swagger)"
    return kind(f"{what}: HTTP {status} {code} {description}".strip(), status=status, code=code or None)
