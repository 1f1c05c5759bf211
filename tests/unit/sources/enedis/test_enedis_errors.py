"""Every Enedis error answer maps to its meaning (and to whether retrying can help)."""

import pytest

from collecte.sources.enedis import errors


@pytest.mark.parametrize(("status", "code", "expected", "retryable"), [
    (403, "ADAM-DC-0008", errors.NoConsent, False),
    (403, "ADAM-DC-0007", errors.MovedOut, False),
    (403, "ADAM-DC-0009", errors.BeforeConsent, False),
    (400, "ADAM-DC-0015", errors.RequestRejected, False),
    (400, "ADAM-DC-0016", errors.HistoryLimit, False),
    (400, "ADAM-ERR0123", errors.BeforeActivation, False),
    (400, "ADAM-ERR0069", errors.WrongDirection, False),
    (400, "invalid_request", errors.RequestRejected, False),
    (404, "no_data_found", errors.NoData, False),
    (500, "ADAM-DC-0500", errors.Transient, True),
    (429, "too_many_requests", errors.Transient, True),
    (503, "", errors.Transient, True),
    (401, "invalid_client", errors.AuthenticationFailed, False),
])
def test_error_codes_map_to_their_meaning(status, code, expected, retryable):
    error = errors.error_for(status, {"error": code, "error_description": "x"}, "call")
    assert type(error) is expected
    assert error.retryable is retryable
    assert error.status == status


def test_history_walls_share_a_base_class():
    for kind in (errors.HistoryLimit, errors.BeforeActivation, errors.BeforeConsent):
        assert issubclass(kind, errors.HistoryWall)
    assert issubclass(errors.MovedOut, errors.NoConsent)
