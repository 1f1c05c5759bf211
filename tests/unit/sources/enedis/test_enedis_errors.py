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


@pytest.mark.parametrize("body", [
    {"code": "ADAM-DC-0008", "message": "Le client n'est pas titulaire du point demandé"},  # the Swagger's form
    {"error": "ADAM-DC-0008", "error_description": "No consent"},  # the form seen on real answers
])
def test_both_error_forms_are_read(body):
    error = errors.error_for(403, body, "call")
    assert type(error) is errors.NoConsent and error.code == "ADAM-DC-0008"


def test_api_not_subscribed_is_its_own_non_retryable_status():
    body = {"code": "900908", "message": "Resource forbidden ",
            "description": "User is NOT authorized to access the Resource. API Subscription validation failed."}
    error = errors.error_for(403, body, "comptage_auto 30001234567890")
    assert type(error) is errors.ApiNotSubscribed and not error.retryable
    assert error.meter_status == "API_NOT_SUBSCRIBED" and "Subscription validation failed" in str(error)


def test_curve_not_activated_and_libelle_form():
    error = errors.error_for(404, {"code": "ADAM-ERR0075", "libelle": "courbe non activée"}, "call")
    assert type(error) is errors.CurveNotActivated and isinstance(error, errors.NoData)
    assert "courbe non activée" in str(error)


def test_an_empty_500_is_transient_and_says_why():
    error = errors.error_for(500, None, "call")
    assert type(error) is errors.Transient and "outside the Swagger" in str(error)
