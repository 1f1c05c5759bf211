"""ADICT answers mapped to what the collection does about them."""

from __future__ import annotations

import pytest

from collecte.sources.grdf.errors import (
    AuthenticationFailed,
    HistoryLimit,
    NoActiveAccessRight,
    OutOfScope,
    RequestRejected,
    TransientError,
    UnknownPce,
    error_for,
)

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize(("http", "code", "expected", "retryable"), [
    (403, "1000000001", NoActiveAccessRight, False),
    (403, "1000000002", NoActiveAccessRight, False),
    (403, "1000000003", OutOfScope, False),
    (403, "1000000004", OutOfScope, False),
    (400, "2000000002", HistoryLimit, False),
    (400, "2000000001", RequestRejected, False),
    (409, "2000000004", RequestRejected, False),
    (404, "3000000001", UnknownPce, False),
    (429, "4000000429", TransientError, True),
    (500, "9000000000", TransientError, True),
    (503, None, TransientError, True),
    (401, None, AuthenticationFailed, False),
    (403, None, NoActiveAccessRight, False),
    (418, None, RequestRejected, False),
])
def test_mapping(http, code, expected, retryable):
    error = error_for(http, {"code_statut_traitement": code, "message_retour_traitement": "m"} if code else None)
    assert type(error) is expected
    assert error.retryable is retryable
    assert error.http_status == http


def test_state_and_message_carried():
    error = error_for(403, {"code_statut_traitement": "1000000002", "etat_droit_acces": "Révoquée",
                            "message_retour_traitement": "droit d'accès DA1 à l'état Révoquée"}, what="x 1")
    assert isinstance(error, NoActiveAccessRight) and error.state == "Révoquée"
    assert "Révoquée" in str(error) and "HTTP 403" in str(error)


def test_retry_after_kept_on_rate_limit():
    error = error_for(429, None, retry_after=2.0)
    assert isinstance(error, TransientError) and error.retry_after == 2.0
    assert isinstance(HistoryLimit("x"), OutOfScope) and isinstance(UnknownPce("x"), OutOfScope)
