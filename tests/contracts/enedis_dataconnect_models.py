"""Pydantic models of Enedis Data Connect 2026 answers, written from the official Swagger files.

Source: the Swagger files Enedis publishes on DataHub, as kept in the public repository
MyElectricalData/myelectricaldata_new, folder docs/external-apis/enedis-api/data-connect-2026/.
Each model names the file and the schema (`definitions/...` or `components/schemas/...`) it follows.
They are strict (`extra="forbid"`, strict types) so that the sandbox cannot invent or rename a field:
a field the Swagger does not list fails validation. Where the Swagger is silent, the model follows
the recorded real answers of the same folder's repository (apps/api/tests/fixtures/enedis_2026/) and
says so. These models are test oracles only; collecte's code never imports them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool, StrictInt, StrictStr

# Synthese-contractuelle-sync-auto.yaml, definitions/date (same pattern in Situation-contractuelle-sync-auto.yaml)
OffsetDate = Annotated[StrictStr, Field(pattern=r"^\d{4}\-\d{2}\-\d{2}T\d{2}\:\d{2}\:\d{2}\+\d{4}$")]
Digits = Annotated[StrictStr, Field(pattern=r"^-?\d+$")]


class Strict(BaseModel):
    """No field beyond the Swagger's."""

    model_config = ConfigDict(extra="forbid", strict=True)


# -- swagger_mesure_synchrone_auto_v2.yaml -------------------------------------------------------------
class Periode(Strict):
    """definitions/Periode."""

    dateDebut: StrictStr | None = None
    dateFin: StrictStr | None = None


class PointCDC(Strict):
    """definitions/PointCDC: v and d required; p (step), n (nature), iv, ec optional, all strings."""

    v: Digits
    d: Annotated[StrictStr, Field(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")]
    p: Literal["PT5M", "PT10M", "PT15M", "PT30M", "PT60M"] | None = None  # ReponseMesureAccesQuotidien.pas lists these
    n: StrictStr | None = None
    iv: StrictStr | None = None
    ec: StrictStr | None = None


class PointQuotidien(Strict):
    """definitions/PointQuotidien: v and d, strings."""

    v: Digits
    d: StrictStr


class GrandeurCDC(Strict):
    """definitions/GrandeurCDC."""

    grandeurMetier: Literal["CONS", "PROD"]
    grandeurPhysique: StrictStr
    unite: StrictStr
    points: list[PointCDC]
    calendrier: list[dict] | None = None


class GrandeurQuotidien(Strict):
    """definitions/GrandeurQuotidien."""

    grandeurMetier: Literal["CONS", "PROD"]
    grandeurPhysique: StrictStr
    unite: StrictStr
    points: list[PointQuotidien]
    calendrier: list[dict] | None = None


class ReponseMesureAccesCDC(Strict):
    """definitions/ReponseMesureAccesCDC (courbe_de_charge_consommation, courbe_de_charge_production): no `pas`."""

    idPrm: StrictStr
    etapeMetier: Literal["BRUT", "BEST"]
    periode: Periode
    modeCalcul: StrictStr
    grandeur: list[GrandeurCDC]
    contexte: list[dict] | None = None


class ReponseMesureAccesQuotidien(Strict):
    """definitions/ReponseMesureAccesQuotidien (consommation_quotidienne, production_quotidienne)."""

    idPrm: StrictStr
    etapeMetier: Literal["BRUT", "BEST"]
    periode: Periode
    typeValeur: StrictStr | None = None
    modeCalcul: StrictStr
    pas: Literal["P1D"] | None = None  # "Pour les ENERGIE: P1D"
    grandeur: list[GrandeurQuotidien]
    contexte: list[dict] | None = None


class ReponseMesureAccesMaxQuotidien(Strict):
    """definitions/ReponseMesureAccesMaxQuotidien (puissance_conso_max_quotidienne)."""

    idPrm: StrictStr
    etapeMetier: Literal["BRUT", "BEST"]
    periode: Periode
    modeCalcul: StrictStr
    pas: Literal["P1D", "P1M"] | None = None  # "Pour les PMAX: P1D, P1M"
    grandeur: list[GrandeurQuotidien]
    contexte: list[dict] | None = None


class Valeur(Strict):
    """definitions/Valeur: v and iv are int64 (not strings, unlike curve points); the format of d is not given."""

    d: StrictStr | None = None
    v: StrictInt | None = None
    iv: StrictInt | None = None


class ClasseTemporelle(Strict):
    """definitions/ClasseTemporelle."""

    idClasseTemporelle: StrictStr | None = None
    libelleClasseTemporelle: StrictStr | None = None
    codeCadran: StrictStr | None = None
    valeur: list[Valeur] | None = None


class Calendrier(Strict):
    """definitions/Calendrier."""

    idCalendrier: StrictStr | None = None
    libelleCalendrier: StrictStr | None = None
    classeTemporelle: list[ClasseTemporelle] | None = None


class ClasseTemporelleTotalisateur(Strict):
    """definitions/ClasseTemporelleTotalisateur."""

    codeCadran: StrictStr | None = None
    valeur: list[Valeur] | None = None


class GrandeurIndex(Strict):
    """definitions/GrandeurIndex: `points` is an empty list for indexes."""

    grandeurMetier: Literal["CONS", "PROD"]
    grandeurPhysique: StrictStr
    unite: StrictStr
    points: list[dict]
    calendrier: list[Calendrier] | None = None
    cadranTotalisateur: ClasseTemporelleTotalisateur | None = None


class ContexteIndex(Strict):
    """definitions/ContexteIndex."""

    etapeMetier: Literal["BRUT", "BEST"] | None = None
    contexteReleve: Literal["COL", "TOP", "FMR", "CRD", "CRI"] | None = None
    typeReleve: Literal["AP", "AQ", "AS", "AV", "LC", "RM", "RC"] | None = None
    grandeur: list[GrandeurIndex] | None = None


class ReponseMesureAccesIndex(Strict):
    """definitions/ReponseMesureAccesIndex (index_consommation, index_production): top-level grandeur is empty."""

    idPrm: StrictStr
    periode: Periode
    grandeur: list[dict]
    contexte: list[ContexteIndex] | None = None


class ErrorBody(Strict):
    """Every Swagger's error responses: `{code, message}` (all optional). 900908 adds `description` (a
    recorded real answer, erreur_comptage_non_souscrit.json); Situation-comptage-auto.yaml's
    components/schemas/error has `libelle` instead of `message`."""

    code: StrictStr | None = None
    message: StrictStr | None = None
    description: StrictStr | None = None
    libelle: StrictStr | None = None


class OAuthErrorBody(Strict):
    """`{error, error_description}`: not in the Swaggers, seen on real answers (ADAM-ERR0123 always, per the
    folder's README) and OAuth's own form for the token endpoint."""

    error: StrictStr
    error_description: StrictStr | None = None


# -- Situation-contractuelle-sync-auto.yaml ----------------------------------------------------------
class Power(Strict):
    """definitions/power: value and unit are strings (`"12"`, `"kVA"`)."""

    unit: StrictStr | None = None
    value: Digits | None = None


class Person(Strict):
    """definitions/person."""

    title: StrictStr | None = None
    lastname: StrictStr | None = None
    firstname: StrictStr | None = None


class ContactData(Strict):
    """definitions/contact_data."""

    email: StrictStr | None = None
    landline: StrictStr | None = None
    phone: StrictStr | None = None


class Organization(Strict):
    """definitions/organization."""

    name: StrictStr | None = None
    commercial_name: StrictStr | None = None
    business_code: StrictStr | None = None
    siret_number: StrictStr | None = None
    siren_number: StrictStr | None = None


class Address(Strict):
    """definitions/address (the customer's address, not the PRM's): line1..line7."""

    line1: StrictStr | None = None
    line2: StrictStr | None = None
    line3: StrictStr | None = None
    line4: StrictStr | None = None
    line5: StrictStr | None = None
    line6: StrictStr | None = None
    line7: StrictStr | None = None


class CustomerInner(Strict):
    """Not in the Swagger: the recorded answers nest the address as `customer.customer.adress` (sic)."""

    adress: Address | None = None


class Customer(Strict):
    """Not in the Swagger (recorded answers)."""

    customer: CustomerInner | None = None


class Contract(Strict):
    """One item of definitions/contracts, which the Swagger leaves EMPTY (`contracts: {}`): the fields are
    those of the recorded answers (situation_contrat_consommateur.json, situation_contrat_autoconsommation.json)
    with the Swagger's sub-definitions (power, person, contact_data, organization, date)."""

    usage_point_id: StrictStr
    contract_start: OffsetDate | None = None
    contract_type: Literal["Contrat GRD-F", "Contrat GRD-A"]
    contractor: StrictStr | None = None
    distribution_tariff: StrictStr | None = None
    subscribed_power: Power | None = None
    segment: Literal["C1", "C2", "C3", "C4", "C5", "P1", "P2", "P3", "P4"]
    customer: Customer | None = None
    contact_data: ContactData | None = None
    person: Person | None = None
    organization: Organization | None = None


class Contracts(RootModel[list[Contract]]):
    """The answer: a list of contracts (a self-consumption PRM has two)."""


# -- Synthese-contractuelle-sync-auto.yaml --------------------------------------------------------
class Segment(Strict):
    """definitions/segments items."""

    segment: Literal["C1", "C2", "C3", "C4", "C5", "P1", "P2", "P3", "P4"] | None = None


class SyntheseContractuelle(Strict):
    """definitions/syntheseContractuelle."""

    segments: list[Segment] | None = None
    generation_last_activation_date: OffsetDate | None = None
    consumption_last_activation_date: OffsetDate | None = None
    last_subscribed_power_change_date: OffsetDate | None = None
    services_level: StrictStr | None = None


# -- Situation-comptage-auto.yaml (OpenAPI 3) -------------------------------------------------------
class CodeLibelle(Strict):
    """components/schemas/typeComptage, regimePropriete, classeTemporelle* (code + libelle)."""

    code: StrictStr | None = None
    libelle: StrictStr | None = None


class DispositifComptage(Strict):
    """components/schemas/dispositifComptage."""

    typeComptage: CodeLibelle | None = None


class PuissanceProgrammee(Strict):
    """components/schemas/puissanceProgrammee."""

    valeur: float | None = None
    classeTemporellePuissanceProgrammee: CodeLibelle | None = None


class Compteur(Strict):
    """components/schemas/compteur (programmationHoraire and parametresTeleAcces kept loose)."""

    numeroSerie: StrictStr | None = None
    regimePropriete: CodeLibelle | None = None
    puissanceProgrammee1: PuissanceProgrammee | None = None
    puissanceProgrammee2: PuissanceProgrammee | None = None
    puissanceProgrammee3: PuissanceProgrammee | None = None
    puissanceProgrammee4: PuissanceProgrammee | None = None
    puissanceProgrammee5: PuissanceProgrammee | None = None
    puissanceProgrammee6: PuissanceProgrammee | None = None
    puissanceProgrammee7: PuissanceProgrammee | None = None
    puissanceProgrammee8: PuissanceProgrammee | None = None
    programmationHoraire: dict | None = None
    parametresTeleAcces: dict | None = None


class Relais(Strict):
    """components/schemas/relais: plageHeuresCreuses is a string (no example in the Swagger)."""

    plageHeuresCreuses: StrictStr | None = None


class SituationComptage(Strict):
    """components/schemas/situationComptage."""

    dispositifComptage: DispositifComptage | None = None
    compteurs: list[Compteur] | None = None
    relais: Relais | None = None


# -- Donnees-generales-sync-auto.yaml ---------------------------------------------------------------
class AdresseInstallationNonNormalisee(Strict):
    """definitions/adresseInstallationNonNormalisee."""

    staircase_floor_apartment: StrictStr | None = None
    building: StrictStr | None = None
    number_street_name: StrictStr | None = None
    locality: StrictStr | None = None
    postal_code_city: StrictStr | None = None
    insee_code: StrictStr | None = None


class DonneesGenerales(Strict):
    """definitions/address (the 200 answer): `{address: adresseInstallationNonNormalisee}`."""

    address: AdresseInstallationNonNormalisee | None = None


# -- Services-souscrits.yaml -------------------------------------------------------------------------
class AutorisationServiceSouscrit(Strict):
    """definitions/AutorisationServiceSouscrit: autorisationId is an int64."""

    autorisationId: StrictInt | None = None
    autorisationLibelle: StrictStr | None = None
    autorisationType: Literal["EXPLICITE", "INDUITE", "IMPLICITE"] | None = None


class RechercherServicesSouscritsResponse(Strict):
    """definitions/RechercherServicesSouscritsResponse."""

    id: StrictStr | None = None
    injection: StrictBool | None = None
    soutirage: StrictBool | None = None
    serviceCode: Literal["CCDC", "TRANSREC", "OPPENR", "ACCES"] | None = None
    dateDebut: StrictStr | None = None
    dateFin: StrictStr | None = None
    etatCode: Literal["DEMANDE", "ACTIF", "TERMINE", "SUPPRIME"] | None = None
    etatLibelle: StrictStr | None = None
    pointId: StrictStr | None = None
    sirenTitulaire: StrictStr | None = None
    sirenBeneficiaire: StrictStr | None = None
    mesuresTypeCode: Literal["CDC", "IDX", "PMAX", "ENERGIE", "ITC"] | None = None
    mesuresPas: StrictStr | None = None
    periodiciteTransmission: StrictStr | None = None
    mesuresCorrigees: StrictBool | None = None
    espaceDynamique: StrictBool | None = None
    publicationDonnees: StrictBool | None = None
    autorisation: AutorisationServiceSouscrit | None = None


class ServiceSouscritReponsePaginee(Strict):
    """definitions/ServiceSouscritReponsePaginee."""

    nbTotalServices: StrictInt | None = None
    serviceSouscrit: list[RechercherServicesSouscritsResponse] | None = None


class ConsulterServicesSouscritsPaginesDemande(Strict):
    """definitions/ConsulterServicesSouscritsPaginesDemande (the request body; `comptage` required)."""

    pointId: list[StrictStr] | None = None
    siren: list[StrictStr] | None = None
    dateDebut: StrictStr | None = None
    dateFin: StrictStr | None = None
    etatCode: list[StrictStr] | None = None
    serviceType: StrictStr | None = None
    mesureTypeCode: list[StrictStr] | None = None
    soutirage: StrictBool | None = None
    injection: StrictBool | None = None
    page: StrictInt | None = None
    comptage: StrictBool
    autorisationId: StrictInt | None = None
    autorisation: StrictBool | None = None


# -- the token (not in these Swaggers; DOMAIN.md: expires_in is a string of seconds) --------------------
class Token(Strict):
    """POST /oauth2/v3/token answer."""

    access_token: StrictStr
    token_type: Literal["Bearer"]
    expires_in: Digits
    scope: StrictStr | None = None


MEASURE_MODELS: dict[str, type[BaseModel]] = {
    "consommation_quotidienne": ReponseMesureAccesQuotidien, "production_quotidienne": ReponseMesureAccesQuotidien,
    "courbe_de_charge_consommation": ReponseMesureAccesCDC, "courbe_de_charge_production": ReponseMesureAccesCDC,
    "puissance_conso_max_quotidienne": ReponseMesureAccesMaxQuotidien,
    "index_consommation": ReponseMesureAccesIndex, "index_production": ReponseMesureAccesIndex,
}
CONTRACT_MODELS: dict[str, type[BaseModel]] = {
    "synth_contrat_auto": SyntheseContractuelle, "comptage_auto": SituationComptage,
    "donnees_generales_auto": DonneesGenerales,
}
