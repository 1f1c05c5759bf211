"""Declaration fields and what a right allows, without a server."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from collecte.sources.grdf.access_rights import AccessRight, MandateFields

pytestmark = pytest.mark.timeout(10)

FIELDS = dict(code_postal="69003", courriel_titulaire="energie@mairie.example", raison_sociale="Mairie",
              date_debut_droit_acces=date(2026, 1, 1), date_fin_droit_acces=date(2028, 12, 31),
              perim_donnees_conso_debut=date(2022, 1, 1), perim_donnees_conso_fin=date(2028, 12, 31))


def test_to_adict_uses_vrai_faux_and_iso_dates():
    body = MandateFields(**FIELDS, perim_donnees_techniques=False).to_adict()
    assert body["perim_donnees_publiees"] == "Vrai" and body["perim_donnees_techniques"] == "Faux"
    assert body["date_debut_droit_acces"] == "2026-01-01"
    assert body["role_tiers"] == "AUTORISE_CONTRAT_FOURNITURE"
    assert "nom_titulaire" not in body


def test_accepts_adict_booleans_from_consent_fields():
    fields = MandateFields.model_validate({**FIELDS, "perim_donnees_informatives": "Faux"})
    assert fields.perim_donnees_informatives is False


@pytest.mark.parametrize(("change", "message"), [
    ({"raison_sociale": None}, "raison_sociale or nom_titulaire"),
    ({"code_postal": "6900"}, "code_postal"),
    ({"courriel_titulaire": "nobody"}, "courriel_titulaire"),
    ({"date_fin_droit_acces": date(2025, 1, 1)}, "date_fin_droit_acces is before"),
])
def test_invalid_declarations_named(change, message):
    with pytest.raises(ValidationError, match=message):
        MandateFields(**{**FIELDS, **change})


def _right(state: str, **scope: bool) -> AccessRight:
    flags = {"perim_donnees_publiees": True, "perim_donnees_informatives": True,
             "perim_donnees_contractuelles": True, "perim_donnees_techniques": True} | scope
    return AccessRight(id="DA1", pce="21100000000001", state=state, scope=flags,
                       data_start=date(2024, 1, 1), data_end=date(2026, 12, 31))


@pytest.mark.parametrize("state", ["A valider", "Révoquée", "A revérifier", "Obsolète", "Refusée"])
def test_only_active_allows(state):
    assert _right(state).refusal("daily") == f"GRDF access right DA1 is {state}"


def test_active_right_scope_and_period():
    right = _right("Active", perim_donnees_informatives=False)
    assert right.refusal("consumption", date(2025, 1, 1), date(2025, 2, 1)) is None
    assert "excludes daily" in right.refusal("daily")
    assert "covers consumption from 2024-01-01" in right.refusal("consumption", date(2020, 1, 1), date(2023, 1, 1))
    assert right.clip(date(2023, 6, 1), date(2027, 6, 1)) == (date(2024, 1, 1), date(2027, 1, 1))
