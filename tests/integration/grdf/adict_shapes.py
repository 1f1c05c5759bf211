"""Pydantic models of ADICT v2 answers, written from the primary sources only (not from the sandbox
nor the connector), and `check_answer`, which validates one recorded sandbox answer against them.

Sources:
- real records in lowatt/lowatt-grdf `tests/test_api.py` (published and informative consumption,
  contract, technical, access-right listing with its final status line), `lowatt_grdf/api.py`
  (token form and answer `access_token` + `expires_in`; PATCH /droit_acces/{id} without body;
  contract/technical answers unpacked as exactly one object) and `lowatt_grdf/models.py`
  (declaration fields, third-party roles, "Vrai"/"Faux" booleans);
- ../shared/DOMAIN.md (NDJSON final status line "0000000000", states, `car_actuelle` in v2);
- public ADICT clients (a Haskell client: declaration answer = code, message, `id_droit_acces`;
  HTTP 200 with `statut_restitution` {code, message} when there is nothing to return).

Where the sources are silent the models say so: error codes are not listed anywhere (only their
10-digit shape is checked).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

OK = "0000000000"
Bool = Literal["Vrai", "Faux"]
Day = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
Stamp = Field(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pce(Strict):
    id_pce: str = Field(pattern=r"^(\d{14}|GI\d{6})$")


class Periode(Strict):
    valeur: str | None
    date_debut: str = Day
    date_fin: str = Day


class Index(Strict):
    valeur_index: int | None
    horodate_Index: AwareDatetime | None  # noqa: N815 - ADICT's own spelling


class PublishedStartReading(Strict):
    date_releve: AwareDatetime | None
    raison_releve: str | None
    libelle_raison_releve: str | None
    qualite_releve: str | None
    statut_releve: str | None
    index_brut_debut: Index
    index_converti_debut: Index


class PublishedEndReading(Strict):
    date_releve: AwareDatetime | None
    raison_releve: str | None
    libelle_raison_releve: str | None
    qualite_releve: str | None
    statut_releve: str | None
    index_brut_fin: Index
    index_converti_fin: Index


class InformativeStartReading(Strict):
    date_releve: AwareDatetime | None
    index_brut_debut: Index
    index_converti_debut: Index


class InformativeEndReading(Strict):
    date_releve: AwareDatetime | None
    index_brut_fin: Index
    index_converti_fin: Index


class Coefficients(Strict):
    coeff_pta: float | None
    valeur_pcs: float | None
    coeff_conversion: float


class Consommation(Strict):
    date_debut_consommation: AwareDatetime
    date_fin_consommation: AwareDatetime
    flag_retour_zero: bool | None         # JSON boolean / null in the real records, not "Vrai"/"Faux"
    volume_brut: int | float
    coeff_calcul: Coefficients
    volume_converti: int | float | None
    energie: int | float
    type_qualif_conso: str | None
    sens_flux_gaz: Literal["Consommation"]
    statut_conso: Literal["Définitive", "Provisoire"]
    journee_gaziere: str | None
    type_conso: str


class Bordereau(Strict):
    date_debut_bordereau: str | None
    date_fin_bordereau: str | None
    nb_jour_gazier: int | None


class Restitution(Strict):
    code: str
    message: str


class PublishedRecord(Strict):
    pce: Pce
    periode: Periode
    releve_debut: PublishedStartReading
    releve_fin: PublishedEndReading
    consommation: Consommation
    bordereau_publication: Bordereau
    statut_restitution: None


class InformativeRecord(Strict):
    pce: Pce
    periode: Periode
    releve_debut: InformativeStartReading
    releve_fin: InformativeEndReading
    consommation: Consommation
    statut_restitution: None


class NoDataRecord(Strict):
    pce: Pce
    periode: Periode
    statut_restitution: Restitution


class Car(Strict):
    car_actuelle: int | float | None
    car_future: int | float | None = None


class Cja(Strict):
    cja: int | float | None
    cja_journaliere: int | float | None = None
    cja_mensuelle: int | float | None = None


class Profil(Strict):
    profil_type_actuel: str | None
    profil_type_futur: str | None = None
    date_debut_profil_type_actuel: str | None = None
    date_fin_profil_type_actuel: str | None = None


class DonneesContractuelles(Strict):
    date_mes: str | None = Day
    tarif_acheminement: Literal["T1", "T2", "T3", "T4", "TP"]
    car: int | float | Car                # number in lowatt-grdf's test, object in v2 (DOMAIN.md)
    cja: int | float | Cja | None = None
    profil: Profil


class ContractRecord(Strict):
    pce: Pce
    donnees_contractuelles: DonneesContractuelles
    statut_restitution: None


class SituationCompteur(Strict):
    numero_rue: str | None
    nom_rue: str | None
    complement_adresse: str | None
    code_postal: str = Field(pattern=r"^\d{5}$")
    commune: str


class Caracteristiques(Strict):
    frequence: str
    client_sensible_mig: str | None


class Pitd(Strict):
    identifiant_pitd: str
    libelle_pitd: str | None


class DonneesTechniques(Strict):
    situation_compteur: SituationCompteur
    caracteristiques_compteur: Caracteristiques
    pitd: Pitd


class TechnicalRecord(Strict):
    pce: Pce
    donnees_techniques: DonneesTechniques
    statut_restitution: None


Role = Literal["AUTORISE_CONTRAT_FOURNITURE", "DETENTEUR_CONTRAT_FOURNITURE",
               "AUTORISE_CONTRAT_INJECTION", "DETENTEUR_CONTRAT_INJECTION"]
State = Literal["Active", "A valider", "Révoquée", "A revérifier", "Obsolète", "Refusée"]
ProofStatus = Literal["Preuve en attente", "Preuve en cours de vérification", "Preuve Vérifiée OK",
                      "Preuve Vérifiée KO"]


class AccessRightLine(Strict):
    id_droit_acces: str
    id_pce: str = Field(pattern=r"^(\d{14}|GI\d{6})$")
    role_tiers: Role
    raison_sociale_du_tiers: str | None
    nom_titulaire: str | None
    raison_sociale_du_titulaire: str | None
    courriel_titulaire: str
    code_postal: str
    numero_telephone_mobile_titulaire: str | None
    perim_donnees_informatives: Bool
    perim_donnees_contractuelles: Bool
    perim_donnees_techniques: Bool      # lowatt-grdf's fixture spells it "perim_donnees_techniques:" (a typo)
    perim_donnees_conso_debut: str | None
    perim_donnees_conso_fin: str | None
    perim_donnees_inj_debut: str | None
    perim_donnees_inj_fin: str | None
    perim_donnees_publiees: Bool
    date_creation: str = Stamp
    date_debut_droit_acces: str = Day
    date_fin_droit_acces: str = Day
    etat_droit_acces: State
    date_revocation: str | None
    source_revocation: str | None
    date_passage_a_obsolete: str | None
    source_passage_a_obsolete: str | None
    date_fin_autorisation: str | None
    date_passage_a_refuse: str | None
    source_passage_a_refuse: str | None
    parcours: str | None
    statut_controle_preuve: ProofStatus | None
    date_limite_transmission_preuve: str | None


class StatusLine(Strict):
    code_statut_traitement: str = Field(pattern=r"^\d{10}$")
    message_retour_traitement: str
    # a refusal may name the right and its state (not in the sources: the sandbox's addition)
    etat_droit_acces: State | None = None
    id_droit_acces: str | None = None


class DeclarationAnswer(Strict):
    code_statut_traitement: Literal["0000000000"]
    message_retour_traitement: str
    id_droit_acces: str


class TokenAnswer(BaseModel):
    access_token: str
    expires_in: int


class OAuthError(BaseModel):
    error: str


def _lines(body: bytes) -> list[dict[str, Any]]:
    text = body.decode("utf-8")
    assert text.endswith("\n"), "NDJSON ends with a newline"
    return [json.loads(line) for line in text.splitlines()]


def _ends_ok(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert lines, "empty answer"
    final = StatusLine.model_validate(lines[-1])
    assert final.code_statut_traitement == OK, lines[-1]
    return lines[:-1]


def check_answer(method: str, path: str, status: int, content_type: str, body: bytes,
                 token_path: str) -> str:
    """Validate one answer of the sandbox against the models; the model name (for coverage)."""
    if path == token_path:
        if status == 200:
            TokenAnswer.model_validate_json(body)
            return "TokenAnswer"
        OAuthError.model_validate_json(body)
        return "OAuthError"
    if status == 401:
        OAuthError.model_validate_json(body)
        return "OAuthError"
    assert content_type.startswith("application/x-ndjson"), (path, content_type)
    lines = _lines(body)
    if status >= 400:
        (line,) = lines
        assert StatusLine.model_validate(line).code_statut_traitement != OK
        return "StatusLine(error)"
    assert status == 200, (method, path, status)
    if path.endswith(("/donnees_consos_publiees", "/donnees_consos_informatives")):
        published = path.endswith("publiees")
        model = PublishedRecord if published else InformativeRecord
        records = _ends_ok(lines)
        for record in records:
            if "consommation" in record:
                parsed = model.model_validate(record)
                expected = "Publiée" if published else "Informative Journalier"
                assert parsed.consommation.type_conso == expected
            else:
                NoDataRecord.model_validate(record)
        return model.__name__
    if path.endswith("/donnees_contractuelles"):
        (line,) = lines
        ContractRecord.model_validate(line)
        return "ContractRecord"
    if path.endswith("/donnees_techniques"):
        (line,) = lines
        TechnicalRecord.model_validate(line)
        return "TechnicalRecord"
    if method == "PUT" and path.endswith("/droit_acces"):
        (line,) = lines
        DeclarationAnswer.model_validate(line)
        return "DeclarationAnswer"
    if path.endswith("/droits_acces"):
        TypeAdapter(list[AccessRightLine]).validate_python(_ends_ok(lines))
        return "AccessRightLine"
    if method in ("PUT", "PATCH") and "/droit_acces/" in path:
        assert _ends_ok(lines) == []
        return "StatusLine(ok)"
    raise AssertionError(f"an answer no model describes: {method} {path} {status}")
