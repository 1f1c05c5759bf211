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
    ({"nom_titulaire": "DUPONT"}, "not both"),
    ({"perim_donnees_conso_debut": None}, "perim_donnees_conso_debut and perim_donnees_conso_fin are required"),
    ({"perim_donnees_inj_debut": date(2024, 1, 1)}, "perim_donnees_inj_. must not be given"),
    ({"role_tiers": "AUTORISE_TIERS"}, "role_tiers"),
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


def test_person_holder_and_injection_role():
    person = MandateFields(**{**FIELDS, "raison_sociale": None, "nom_titulaire": "DUPONT"}).to_adict()
    assert person["nom_titulaire"] == "DUPONT" and "raison_sociale" not in person
    injection = MandateFields(**{**FIELDS, "role_tiers": "DETENTEUR_CONTRAT_INJECTION",
                                 "perim_donnees_conso_debut": None, "perim_donnees_conso_fin": None,
                                 "perim_donnees_inj_debut": date(2024, 1, 1),
                                 "perim_donnees_inj_fin": date(2026, 1, 1)}).to_adict()
    assert injection["perim_donnees_inj_debut"] == "2024-01-01" and "perim_donnees_conso_debut" not in injection


def test_right_from_a_real_listing_line():
    # the names and formats of a real listing line (lowatt/lowatt-grdf tests/test_api.py)
    line = {"id_droit_acces": "2734291b-3df4-4aef-92de-ad0186e0be6b", "id_pce": "GI000000",
            "role_tiers": "AUTORISE_CONTRAT_FOURNITURE", "raison_sociale_du_titulaire": "X",
            "perim_donnees_informatives": "Vrai", "perim_donnees_contractuelles": "Vrai",
            "perim_donnees_techniques": "Faux", "perim_donnees_publiees": "Vrai",
            "perim_donnees_conso_debut": "2020-01-01", "perim_donnees_conso_fin": "2025-01-01",
            "date_creation": "2021-07-02 16:41:14", "date_debut_droit_acces": "2021-07-02",
            "date_fin_droit_acces": "2030-01-01", "etat_droit_acces": "Révoquée",
            "date_revocation": "2024-03-05 10:00:00", "date_passage_a_obsolete": None,
            "statut_controle_preuve": None}
    right = AccessRight.from_adict(line)
    assert (right.pce, right.state, right.declared_on, right.state_changed_on) == (
        "GI000000", "Révoquée", date(2021, 7, 2), date(2024, 3, 5))
    assert right.scope["perim_donnees_techniques"] is False and right.data_end == date(2025, 1, 1)
    assert right.refusal("daily") == "GRDF access right 2734291b-3df4-4aef-92de-ad0186e0be6b is Révoquée"
