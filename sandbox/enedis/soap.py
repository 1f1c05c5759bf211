"""SOAP 1.1 envelopes of the SGE stand-in, shaped as Enedis answers (real samples: consometers/sge-tiers).

Answers of services whose WSDL binding has a header carry `tec:acquittement` (resultat SGT200, the
point and affaire); faults carry `detail/tec:erreur/resultat/@code`. Children are unqualified.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from lxml import etree

from sandbox.enedis.xsd import SOAP_NS, TECH_NS, Service

SGT_LABELS = {
    "SGT200": "Succès",
    "SGT562": "Problème : le message de demande est malformé",
}


def text(value: Any) -> str:
    """XSD text of a Python value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def add(parent: etree._Element, name: str, value: Any = None, **attributes: str) -> etree._Element:
    """An unqualified child, with text unless `value` is None."""
    child = etree.SubElement(parent, name, **attributes)
    if value is not None:
        child.text = text(value)
    return child


def fields(parent: etree._Element, pairs: list[tuple[str, Any]]) -> None:
    """Unqualified children in order, skipping None."""
    for name, value in pairs:
        if value is not None:
            add(parent, name, value)


def coded(parent: etree._Element, name: str, code: str, label: str | None = None) -> etree._Element:
    """A dictionary element `<name code="..."><libelle>...</libelle></name>`."""
    element = add(parent, name, code=code)
    if label:
        add(element, "libelle", label)
    return element


def answer(service: Service, login: str, *, point: str | None = None,
           affaire: str | None = None) -> tuple[etree._Element, etree._Element]:
    """(envelope, answer element) of a successful answer of `service`."""
    root = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    if service.has_header:
        header = etree.SubElement(root, f"{{{SOAP_NS}}}Header")
        ack = etree.SubElement(header, f"{{{TECH_NS}}}acquittement", nsmap={"ns3": TECH_NS})
        add(ack, "resultat", SGT_LABELS["SGT200"], code="SGT200")
        if point or affaire:
            info = add(ack, "infoFonctionnelles")
            fields(info, [("pointId", point), ("affaireId", affaire)])
        add(add(ack, "infoDemandeur"), "loginDemandeur", login)
    body = etree.SubElement(root, f"{{{SOAP_NS}}}Body")
    element = etree.SubElement(body, service.response.text, nsmap={"ns4": service.response.namespace})
    return root, element


def fault(code: str, message: str) -> bytes:
    """A SOAP Fault carrying an SGE result code in `tec:erreur`."""
    root = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    body = etree.SubElement(root, f"{{{SOAP_NS}}}Body")
    fault_el = etree.SubElement(body, f"{{{SOAP_NS}}}Fault")
    add(fault_el, "faultcode", "soap:Server" if code.startswith("SGT5") else "soap:Client")
    add(fault_el, "faultstring", message[:255])
    erreur = etree.SubElement(add(fault_el, "detail"), f"{{{TECH_NS}}}erreur", nsmap={"ns2": TECH_NS})
    add(erreur, "resultat", message[:255] or code, code=code)
    return serialize(root)


def serialize(root: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
