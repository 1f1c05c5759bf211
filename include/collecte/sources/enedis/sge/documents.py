"""SGE request documents, built element by element in the order the XSDs define.

Every builder returns the whole SOAP 1.1 envelope as bytes. The children of each request's root
element are unqualified; the header, when the service has one, is `tec:entete`. Values the
schemas constrain (the login's e-mail pattern, 14-digit PRMs, dates) are checked here first, so
a wrong value is refused with a clear message instead of an SGT fault from Enedis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from collecte.errors import NonRetryableError
from collecte.sources.enedis.sge.contracts import (
    HISTORY_BILLING,
    HISTORY_FINE,
    MEASURE_KINDS,
    MEASURES,
    SEARCH,
    SOAP_NS,
    STOP,
    SUBSCRIBE,
    SUBSCRIPTIONS,
    TECH_NS,
    TECHNICAL,
    Operation,
)

# ds:UtilisateurLoginType = ds:AdresseEmailType (XSD pattern, anchored as XSD patterns are)
LOGIN_RE = re.compile(r"^[0-9a-zA-Z][\-._0-9a-zA-Z]{0,255}@[0-9a-zA-Z][\-._0-9a-zA-Z]{1,255}\.[a-zA-Z]{2,63}$")
PRM_RE = re.compile(r"^[0-9]{14}$")
ACCESS_FRAMES = ("ACCORD_CLIENT", "SERVICE_ACCES", "EST_TITULAIRE")


class DocumentError(NonRetryableError, ValueError):
    """A request that the SGE schemas would refuse (named field and reason)."""


@dataclass(frozen=True)
class Consent:
    """`declarationAccordClient`: the customer's agreement, by a natural or a legal person."""

    company: str | None = None       # personneMorale/denominationSociale
    surname: str | None = None       # personnePhysique/nom
    first_name: str | None = None    # personnePhysique/prenom (optional)
    civility: str | None = None      # personnePhysique/civilite (optional: M, MME, ...)
    access_frame: str = "ACCORD_CLIENT"

    def __post_init__(self) -> None:
        if bool(self.company) == bool(self.surname):
            raise DocumentError("declarationAccordClient: give exactly one of a company name (legal person) "
                                "or a surname (natural person)")
        if self.access_frame not in ACCESS_FRAMES:
            raise DocumentError(f"cadreAcces {self.access_frame!r} is not one of {', '.join(ACCESS_FRAMES)}")
        for name, value in (("denominationSociale", self.company), ("nom", self.surname),
                            ("prenom", self.first_name)):
            if value is not None and not 1 <= len(value) <= 255:
                raise DocumentError(f"declarationAccordClient: {name} must be 1 to 255 characters")
        if self.civility is not None and not 1 <= len(self.civility) <= 15:
            raise DocumentError("declarationAccordClient: civilite must be 1 to 15 characters")

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Consent:
        """From `collecte.consent.operator_fields.sge_consent_fields(...)` (the mandate's words)."""
        accord = fields.get("declarationAccordClient") or {}
        if accord.get("accord") is not True:
            raise DocumentError("declarationAccordClient: the mandate gives no agreement (accord is not true)")
        company = (accord.get("personneMorale") or {}).get("denominationSociale")
        person = accord.get("personnePhysique") or {}
        return cls(company=company or None, surname=person.get("nom") or None,
                   first_name=person.get("prenom") or None, civility=person.get("civilite") or None,
                   access_frame=fields.get("cadreAcces") or "ACCORD_CLIENT")


def check_login(login: str) -> str:
    """The SGE login, which must match the XSD's e-mail pattern."""
    if not LOGIN_RE.match(login or ""):
        raise DocumentError(f"loginUtilisateur/initiateurLogin {login!r} does not match the SGE e-mail pattern")
    return login


def check_prm(prm: str) -> str:
    """A 14-digit PRM."""
    if not PRM_RE.match(prm or ""):
        raise DocumentError(f"pointId {prm!r} must be exactly 14 digits")
    return prm


def check_contract(contract_id: str) -> str:
    """ds:ContratIdType: 1 to 15 characters."""
    if not 1 <= len(contract_id or "") <= 15:
        raise DocumentError(f"contratId {contract_id!r} must be 1 to 15 characters")
    return contract_id


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _add(parent: etree._Element, name: str, value: Any = None) -> etree._Element:
    child = etree.SubElement(parent, name)
    if value is not None:
        child.text = _text(value)
    return child


def _fields(parent: etree._Element, pairs: Iterable[tuple[str, Any]]) -> None:
    """Unqualified children in order; None values are left out (minOccurs=0)."""
    for name, value in pairs:
        if value is not None:
            _add(parent, name, value)


def envelope(operation: Operation, login: str) -> tuple[etree._Element, etree._Element]:
    """(envelope, request root): the SOAP frame of `operation`, header included when it has one."""
    root = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soapenv": SOAP_NS})
    header = etree.SubElement(root, f"{{{SOAP_NS}}}Header")
    if operation.header_version:
        entete = etree.SubElement(header, f"{{{TECH_NS}}}entete", nsmap={"tec": TECH_NS})
        _add(entete, "version", operation.header_version)
        _add(_add(entete, "infoDemandeur"), "loginDemandeur", login)
    body = etree.SubElement(root, f"{{{SOAP_NS}}}Body")
    request = etree.SubElement(body, f"{{{operation.namespace}}}{operation.request}", nsmap={"ns": operation.namespace})
    return root, request


def serialize(root: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def technical_request(prm: str, login: str) -> bytes:
    """ConsultationDonneesTechniquesContractuelles v1.0."""
    root, request = envelope(TECHNICAL, check_login(login))
    _fields(request, (("pointId", check_prm(prm)), ("loginUtilisateur", login), ("autorisationClient", True)))
    return serialize(root)


def measures_request(prm: str, login: str, kind: str, first: date, end: date, *, direction: str = "SOUTIRAGE",
                     corrected: bool = False, access_frame: str = "ACCORD_CLIENT") -> bytes:
    """ConsultationMesuresDetaillees v3.0 over [first, end) for a kind of MEASURE_KINDS."""
    if kind not in MEASURE_KINDS:
        raise DocumentError(f"measure kind {kind!r} is not one of {', '.join(MEASURE_KINDS)}")
    if end <= first:
        raise DocumentError(f"dateFin {end} must follow dateDebut {first}")
    if direction not in ("SOUTIRAGE", "INJECTION"):
        raise DocumentError(f"sens {direction!r} must be SOUTIRAGE or INJECTION")
    type_code, quantity, step = MEASURE_KINDS[kind]
    root, request = envelope(MEASURES, check_login(login))
    demande = _add(request, "demande")
    _fields(demande, (("initiateurLogin", login), ("pointId", check_prm(prm)), ("mesuresTypeCode", type_code),
                      ("grandeurPhysique", quantity), ("dateDebut", first), ("dateFin", end),
                      ("mesuresPas", step), ("mesuresCorrigees", corrected), ("sens", direction),
                      ("cadreAcces", access_frame)))
    return serialize(root)


def _general(parent: etree._Element, prm: str, login: str, contract_id: str, objet: str,
             reference_name: str | None, reference: str | None) -> None:
    general = _add(parent, "donneesGenerales")
    _fields(general, ((reference_name, reference) if reference_name else ("", None),
                      ("objetCode", objet), ("pointId", check_prm(prm)), ("initiateurLogin", check_login(login)),
                      ("contratId", check_contract(contract_id))))


def _consent(parent: etree._Element, consent: Consent) -> None:
    accord = _add(parent, "declarationAccordClient")
    _add(accord, "accord", True)
    if consent.company:
        _add(_add(accord, "personneMorale"), "denominationSociale", consent.company)
    else:
        person = _add(accord, "personnePhysique")
        _fields(person, (("civilite", consent.civility), ("nom", consent.surname), ("prenom", consent.first_name)))


def subscribe_request(prm: str, login: str, contract_id: str, *, kind: str, first: date, last: date | None,
                      consent: Consent, recurring: bool = True, step: str | None = None,
                      withdrawal: bool = True, injection: bool = False, reference: str | None = None) -> bytes:
    """CommandeCollectePublicationMesures v3.0: CDC (curve) or IDX (daily index + max power)."""
    if kind not in SUBSCRIPTIONS:
        raise DocumentError(f"mesuresTypeCode {kind!r} is not one of {', '.join(SUBSCRIPTIONS)}")
    if last is not None and last <= first:
        raise DocumentError(f"dateFin {last} must follow dateDebut {first}")
    type_code, default_step = SUBSCRIPTIONS[kind]
    root, request = envelope(SUBSCRIBE, check_login(login))
    demande = _add(request, "demande")
    _general(demande, prm, login, contract_id, "AME", "refExterne", reference)
    access = _add(demande, "accesMesures")
    _fields(access, (("dateDebut", first), ("dateFin", last)))
    _consent(access, consent)
    _fields(access, (("mesuresTypeCode", type_code), ("soutirage", withdrawal), ("injection", injection),
                     ("mesuresPas", step or default_step), ("mesuresCorrigees", False),
                     ("transmissionRecurrente", recurring), ("periodiciteTransmission", "P1D" if recurring else None)))
    return serialize(root)


def stop_request(prm: str, login: str, contract_id: str, service_id: str, *, reference: str | None = None) -> bytes:
    """CommandeArretServiceSouscritMesures v1.0 (objetCode ASS)."""
    if not 1 <= len(service_id or "") <= 15:
        raise DocumentError(f"serviceSouscritId {service_id!r} must be 1 to 15 characters")
    root, request = envelope(STOP, check_login(login))
    demande = _add(request, "demande")
    _general(demande, prm, login, contract_id, "ASS", "refFrn", reference)
    _add(_add(demande, "arretServiceSouscrit"), "serviceSouscritId", service_id)
    return serialize(root)


def search_request(prm: str, login: str, contract_id: str) -> bytes:
    """RechercherServicesSouscritsMesures v1.0."""
    root, request = envelope(SEARCH, check_login(login))
    criteria = _add(request, "criteres")
    _fields(criteria, (("pointId", check_prm(prm)), ("contratId", check_contract(contract_id))))
    _add(request, "loginUtilisateur", login)
    return serialize(root)


def history_request(prms: list[str], login: str, contract_id: str, first: date, end: date, *,
                    measures: str = "COURBES", billing: bool = False, fmt: str = "CSV", direction: str = "SOUTIRAGE",
                    access_frame: str = "ACCORD_CLIENT", reference: str | None = None) -> bytes:
    """M023: CommandeHistoriqueDonneesMesuresFines (`measures` COURBES, ENERGIE, PMAX, INDEX) or,
    with `billing`, CommandeHistoriqueDonneesMesuresFacturantes, over [first, end) for up to 10,000 PRMs.

    The M023 schemas carry no `declarationAccordClient`: the consent is the access frame
    (ACCORD_CLIENT), backed by the signed mandate collecte keeps.
    """
    if not 1 <= len(prms) <= 10_000:
        raise DocumentError("pointIds: 1 to 10,000 PRMs per M023 order")
    if fmt not in ("CSV", "JSON"):
        raise DocumentError(f"format {fmt!r} must be CSV or JSON")
    if not billing and measures not in ("COURBES", "ENERGIE", "PMAX", "INDEX"):
        raise DocumentError(f"mesuresTypeCode {measures!r} is not one of COURBES, ENERGIE, PMAX, INDEX")
    frames = ("SERVICE_ACCES", "EST_TITULAIRE", "ACCORD_CLIENT") if billing else ("SERVICE_ACCES", "ACCORD_CLIENT")
    if access_frame not in frames:
        raise DocumentError(f"cadreAcces {access_frame!r} is not one of {', '.join(frames)}")
    if end <= first:
        raise DocumentError(f"dateFin {end} must follow dateDebut {first}")
    if reference is not None and len(reference) > 255:
        raise DocumentError("referenceDemandeur: at most 255 characters")
    root, request = envelope(HISTORY_BILLING if billing else HISTORY_FINE, check_login(login))
    general = _add(request, "donneesGenerales")
    _fields(general, (("initiateurLogin", login), ("contratId", check_contract(contract_id)),
                      ("referenceDemandeur", reference)))
    demande = _add(request, "demande")
    _add(demande, "format", fmt)
    ids = _add(demande, "pointIds")
    for prm in prms:
        _add(ids, "pointId", check_prm(prm))
    if not billing:
        _fields(demande, (("mesuresTypeCode", measures), ("mesuresCorrigees", False)))
    _fields(demande, (("dateDebut", first), ("dateFin", end), ("sens", direction), ("cadreAcces", access_frame)))
    return serialize(root)
