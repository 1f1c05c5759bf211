"""The SGE operations collecte uses, as Enedis's WSDL files define them.

Each service has its own endpoint, namespace and root elements; children of the root are
unqualified (the schemas have no `elementFormDefault`). Services whose WSDL binding declares a
`soap:header` take a `tec:entete` (version, requesting login) and answer with a `tec:acquittement`;
ConsultationMesuresDetaillees v3 and the M023 orders have no header. Written from the WSDL/XSD
files of Enedis (they ship in the `lowatt-enedis` package, used by the tests only, see README).
"""

from __future__ import annotations

from dataclasses import dataclass

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TECH_NS = "http://www.enedis.fr/sge/b2b/technique/v1.0"
PRODUCTION_URL = "https://sge-b2b.enedis.fr"


@dataclass(frozen=True)
class Operation:
    """One SGE operation: where it is served and its request and answer root elements."""

    key: str
    service: str           # the WSDL service folder, e.g. ConsultationMesuresDetaillees
    path: str              # endpoint path under the SGE root (WSDL soap:address)
    namespace: str
    request: str           # root element of the request body
    response: str          # root element of the answer body
    header_version: str | None = None  # `tec:entete/version` when the binding has a header
    soap_action: str = ""


TECHNICAL = Operation(
    "technical", "ConsultationDonneesTechniquesContractuelles", "/ConsultationDonneesTechniquesContractuelles/v1.0",
    "http://www.enedis.fr/sge/b2b/services/consulterdonneestechniquescontractuelles/v1.0",
    "consulterDonneesTechniquesContractuelles", "consulterDonneesTechniquesContractuellesResponse",
    header_version="1.0")
MEASURES = Operation(
    "measures", "ConsultationMesuresDetailleesV3", "/ConsultationMesuresDetaillees/v3.0",
    "http://www.enedis.fr/sge/b2b/services/consultationmesuresdetaillees/common",
    "consulterMesuresDetailleesV3", "consulterMesuresDetailleesResponseV3",
    soap_action="http://www.enedis.fr/sge/b2b/services/consultationmesuresdetaillees/v3.0")
SUBSCRIBE = Operation(
    "subscribe", "CommandeCollectePublicationMesures", "/CommandeCollectePublicationMesures/v3.0",
    "http://www.enedis.fr/sge/b2b/commandercollectepublicationmesures/v3.0",
    "commanderCollectePublicationMesures", "commanderCollectePublicationMesuresResponse", header_version="3.0")
STOP = Operation(
    "stop", "CommandeArretServiceSouscritMesures", "/CommandeArretServiceSouscritMesures/v1.0",
    "http://www.enedis.fr/sge/b2b/commanderarretservicesouscritmesures/v1.0",
    "commanderArretServiceSouscritMesures", "commanderArretServiceSouscritMesuresResponse", header_version="1.0")
SEARCH = Operation(
    "list", "RechercheServicesSouscritsMesures", "/RechercheServicesSouscritsMesures/v1.0",
    "http://www.enedis.fr/sge/b2b/rechercherservicessouscritsmesures/v1.0",
    "rechercherServicesSouscritsMesures", "rechercherServicesSouscritsMesuresResponse", header_version="1.0")
HISTORY_FINE = Operation(
    "history_fine", "CommandeHistoriqueDonneesMesuresFines", "/CommandeHistoriqueDonneesMesuresFines/v1.0",
    "https://sge-b2b.enedis.fr/services/commandehistoriquedonneesmesuresfines/v1",
    "demandePublicationMesuresFines", "affaireId")
HISTORY_BILLING = Operation(
    "history_billing", "CommandeHistoriqueDonneesMesuresFacturantes",
    "/CommandeHistoriqueDonneesMesuresFacturantes/v1.0",
    "https://sge-b2b.enedis.fr/services/commandehistoriquedonneesmesuresfacturantes/v1",
    "demandePublicationMesuresFacturantes", "affaireId")

OPERATIONS = {op.key: op for op in (TECHNICAL, MEASURES, SUBSCRIBE, STOP, SEARCH, HISTORY_FINE, HISTORY_BILLING)}

# ConsultationMesuresDetaillees v3: what collecte asks for -> (mesuresTypeCode, grandeurPhysique, mesuresPas)
MEASURE_KINDS: dict[str, tuple[str, str, str | None]] = {
    "load_curve": ("COURBE", "PA", None),
    "daily_consumption": ("ENERGIE", "EA", None),
    "max_power": ("PMAX", "PMA", "P1D"),
    "index": ("INDEX", "EA", None),
}
CURVE_MAX_DAYS = 7          # ConsultationMesuresDetaillees: at most 7 days of curve per call
M023_MAX_POINTS = 10_000    # M023: at most 10,000 points per order

# CommandeCollectePublicationMesures: what an order subscribes -> mesuresTypeCode, mesuresPas
SUBSCRIPTIONS: dict[str, tuple[str, str | None]] = {
    "CDC": ("CDC", "PT30M"),   # load curve recording + recurring transmission (F300C on C5, R50 files)
    "IDX": ("IDX", "P1D"),     # daily indexes and max power (F305 on C5, R151 files)
}
