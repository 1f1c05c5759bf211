"""The ADICT sandbox's data are realistic and deterministic, and its limits are ADICT's."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from sandbox.grdf import pce_data, resources

pytestmark = [pytest.mark.timeout(60)]
T2 = "21100000000001"
TODAY = date(2026, 11, 29)


def test_seasonal_gas_and_annual_total():
    kwh, _ = pce_data.daily_series(T2)
    offset = (date(2025, 1, 1) - pce_data.EPOCH).days
    year = kwh[offset:offset + 365]
    january, july = sum(year[:31]), sum(year[181:212])
    assert january > 3 * july
    assert abs(sum(year) - 85_000) / 85_000 < 0.1


def test_coefficients_within_range_for_h_and_b_gas():
    pces = [T2, "GI000123"] + [f"2110000000{i:04d}" for i in range(40)]
    zones = {pce_data.profile(p).b_gas for p in pces}
    assert zones == {True, False}
    for pce in pces:
        for day in (date(2022, 1, 5), date(2024, 7, 14), date(2026, 11, 1)):
            assert 9.0 <= pce_data.coefficient(pce, day) <= 12.5


def test_informative_days_add_up_to_the_published_period():
    (period,) = [p for p in resources.published(T2, date(2026, 9, 1), date(2026, 10, 1), TODAY)]
    days = resources.informative(T2, date(2026, 9, 1), date(2026, 10, 1), TODAY)
    assert len(days) == 30
    conso = [d["consommation"] for d in days]
    assert sum(c["volume_brut"] for c in conso) == period["consommation"]["volume_brut"]
    assert days[-1]["releve_fin"]["index_brut_fin"] == period["releve_fin"]["index_brut_fin"]
    assert abs(sum(c["energie"] for c in conso) - period["consommation"]["energie"]) / \
        period["consommation"]["energie"] < 0.01
    assert period["consommation"]["statut_conso"] == "Définitive" and conso[0]["statut_conso"] == "Définitive"
    assert conso[0]["journee_gaziere"] == "2026-09-01" and conso[0]["type_conso"] == "Informative Journalier"


def test_publication_delay_and_provisional_status():
    recent = resources.published(T2, date(2026, 10, 1), date(2026, 11, 29), date(2026, 11, 5))
    assert [(p["consommation"]["date_debut_consommation"], p["consommation"]["statut_conso"]) for p in recent] == \
        [("2026-10-01T06:00:00+02:00", "Provisoire")]
    (nothing,) = resources.published(T2, date(2026, 11, 1), date(2026, 12, 1), date(2026, 12, 2))
    assert "consommation" not in nothing and nothing["statut_restitution"]["code"]


def test_same_request_same_bytes(adict, client):
    today = adict.state.today()
    first, _ = client.consumption("consumption", T2, today - timedelta(days=400), today, today=today)
    second, _ = client.consumption("consumption", T2, today - timedelta(days=400), today, today=today)
    assert first[0][2].raw == second[0][2].raw


def _get(sandbox, client, path: str, **params) -> httpx.Response:
    return httpx.get(sandbox.api_url + path, params=params, headers={"Authorization": f"Bearer {client.token()}"})


def test_limits_answered_as_adict_does(adict, client):
    today = adict.state.today()
    too_old = _get(adict, client, f"/pce/{T2}/donnees_consos_informatives",
                   date_debut=(today - timedelta(days=3 * 366)).isoformat(), date_fin=today.isoformat())
    assert too_old.status_code == 400 and '"code_statut_traitement":"2000000002"' in too_old.text
    too_long = _get(adict, client, f"/pce/{T2}/donnees_consos_informatives",
                    date_debut=(today - timedelta(days=400)).isoformat(), date_fin=today.isoformat())
    assert too_long.status_code == 400 and "2000000003" in too_long.text
    published = _get(adict, client, f"/pce/{T2}/donnees_consos_publiees",
                     date_debut=(today - timedelta(days=4 * 365)).isoformat(), date_fin=today.isoformat())
    assert published.status_code == 200 and published.headers["content-type"].startswith("application/x-ndjson")
    assert published.text.splitlines()[-1].startswith('{"code_statut_traitement":"0000000000"')
    assert '"flag_retour_zero":false' in published.text
    no_token = httpx.get(adict.api_url + f"/pce/{T2}/donnees_techniques")
    assert no_token.status_code == 401
    future = _get(adict, client, f"/pce/{T2}/donnees_consos_informatives",
                  date_debut=(today - timedelta(days=5)).isoformat(), date_fin=(today + timedelta(days=1)).isoformat())
    assert future.status_code == 400 and "date du jour" in future.text
    bad_scope = httpx.post(adict.token_url, data={"grant_type": "client_credentials", "client_id": "collecte-demo",
                                                  "client_secret": "collecte-demo-secret", "scope": "/other"})
    assert bad_scope.status_code == 400


def test_hourly_quota(adict, client):
    adict.state.hourly_quota = 3
    for _ in range(3):
        assert _get(adict, client, f"/pce/{T2}/donnees_techniques").status_code == 200
    over = _get(adict, client, f"/pce/{T2}/donnees_techniques")
    assert over.status_code == 429 and int(over.headers["Retry-After"]) > 3000
