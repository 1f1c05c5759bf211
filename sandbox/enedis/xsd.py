"""Enedis's own WSDL and XSD files for SGE, read from the `lowatt-enedis` package (test/sandbox tool only).

The package is GPLv3: collecte never ships or imports it in the product. The sandbox and the tests
only read its `wsdl/` folder (located without importing the package's code). From each service's
WSDL this module takes the endpoint path, the request and answer root elements and whether the
binding has a header, and validates whole SOAP envelopes: the header element against
ENEDIS.Dictionnaire.Technique, the body element against the service's XSD.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TECH_NS = "http://www.enedis.fr/sge/b2b/technique/v1.0"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XS_NS = "http://www.w3.org/2001/XMLSchema"

# The services collecte uses: WSDL file under lowatt_enedis/wsdl/
WSDLS = {
    "ConsultationDonneesTechniquesContractuelles": "ConsultationDonneesTechniquesContractuelles/Services/"
    "ConsultationDonneesTechniquesContractuelles/ConsultationDonneesTechniquesContractuelles-v1.0.wsdl",
    "ConsultationMesuresDetailleesV3": "ConsultationMesuresDetailleesV3/ConsultationMesuresDetaillees-v3.0.wsdl",
    "CommandeCollectePublicationMesures": "CommandeCollectePublicationMesures/Services/"
    "CommandeCollectePublicationMesures/CommandeCollectePublicationMesures-v3.0.wsdl",
    "CommandeArretServiceSouscritMesures": "CommandeArretServiceSouscritMesures/Services/"
    "CommandeArretServiceSouscritMesures/CommandeArretServiceSouscritMesures-v1.0.wsdl",
    "RechercheServicesSouscritsMesures": "RechercheServicesSouscritsMesures/Services/"
    "RechercheServicesSouscritsMesures/RechercherServicesSouscritsMesures-v1.0.wsdl",
    "CommandeHistoriqueDonneesMesuresFines": "M023_v1.2.0/Services/CommandeHistoriqueDonneesMesuresFines/"
    "B2B_M023MFI.wsdl",
    "CommandeHistoriqueDonneesMesuresFacturantes": "M023_v1.2.0/Services/"
    "CommandeHistoriqueDonneesMesuresFacturantes/B2B_M023MFA.wsdl",
}


class SchemasMissing(RuntimeError):
    """The official files are not installed (pip install -r requirements-dev.txt)."""


def wsdl_root() -> Path:
    """The `wsdl/` folder of the installed lowatt-enedis package (its code is not imported)."""
    spec = importlib.util.find_spec("lowatt_enedis")
    if spec is None or not spec.submodule_search_locations:
        raise SchemasMissing("lowatt-enedis is not installed: it carries Enedis's SGE WSDL/XSD files "
                             "(test dependency, requirements-dev.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "wsdl"


@dataclass(frozen=True)
class Service:
    """What a WSDL says about one SGE service."""

    name: str
    path: str                       # endpoint path of the soap:address
    request: etree.QName
    response: etree.QName
    has_header: bool
    schema: etree.XMLSchema          # the request and response elements (and tec:*) of this service


def _element_of(definitions: etree._Element, message_name: str) -> etree.QName:
    local = message_name.split(":")[-1]
    message = definitions.find(f"{{{WSDL_NS}}}message[@name='{local}']")
    part = message.find(f"{{{WSDL_NS}}}part")
    prefix, _, name = part.get("element").rpartition(":")
    return etree.QName(part.nsmap[prefix] if prefix else definitions.get("targetNamespace"), name)


def _imports(wsdl: Path, definitions: etree._Element) -> list[tuple[str, Path]]:
    found = []
    for schema in definitions.iter(f"{{{XS_NS}}}schema"):
        for item in schema.findall(f"{{{XS_NS}}}import"):
            found.append((item.get("namespace"), (wsdl.parent / item.get("schemaLocation")).resolve()))
    return found


@functools.cache
def service(name: str) -> Service:
    """The service `name` (a key of WSDLS), its schema compiled once per process."""
    wsdl = wsdl_root() / WSDLS[name]
    definitions = etree.parse(str(wsdl)).getroot()
    operation = definitions.find(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")
    request = _element_of(definitions, operation.find(f"{{{WSDL_NS}}}input").get("message"))
    response = _element_of(definitions, operation.find(f"{{{WSDL_NS}}}output").get("message"))
    has_header = definitions.find(f".//{{{WSDL_SOAP_NS}}}header") is not None
    location = definitions.find(f".//{{{WSDL_SOAP_NS}}}address").get("location")
    imports = _imports(wsdl, definitions)
    if not any(ns == TECH_NS for ns, _ in imports):
        raise SchemasMissing(f"{wsdl.name}: no ENEDIS.Dictionnaire.Technique import")
    wrapper = etree.Element(f"{{{XS_NS}}}schema", nsmap={"xs": XS_NS})
    for namespace, location_path in imports:
        etree.SubElement(wrapper, f"{{{XS_NS}}}import", namespace=namespace, schemaLocation=location_path.as_uri())
    schema = etree.XMLSchema(etree.ElementTree(wrapper))
    return Service(name, urlsplit(location).path, request, response, has_header, schema)


def services() -> list[Service]:
    """Every service collecte uses."""
    return [service(name) for name in WSDLS]


def service_at(path: str) -> Service | None:
    """The service served at an endpoint path, or None."""
    return next((s for s in services() if s.path.lower() == path.rstrip("/").lower()), None)


def _standalone(element: etree._Element) -> etree._ElementTree:
    return etree.ElementTree(etree.fromstring(etree.tostring(element)))


def problems(envelope: bytes | etree._Element, svc: Service, direction: str) -> list[str]:
    """What makes a SOAP envelope invalid for `svc` (direction "request", "response" or "fault"); [] if valid."""
    try:
        root = envelope if isinstance(envelope, etree._Element) else etree.fromstring(envelope)
    except etree.XMLSyntaxError as exc:
        return [f"not XML: {exc}"]
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        return [f"root is {root.tag}, not a SOAP 1.1 Envelope"]
    body = root.find(f"{{{SOAP_NS}}}Body")
    if body is None or len(body) != 1:
        return ["the SOAP Body must hold exactly one element"]
    payload = body[0]
    found: list[str] = []
    if direction == "fault":
        if payload.tag != f"{{{SOAP_NS}}}Fault":
            return [f"expected a SOAP Fault, got {payload.tag}"]
        if payload.findtext("faultcode") is None or payload.findtext("faultstring") is None:
            found.append("a Fault needs faultcode and faultstring")
        errors = payload.findall(f"detail/{{{TECH_NS}}}erreur")
        if len(errors) != 1:
            return found + ["a Fault's detail must hold one tec:erreur"]
        payload = errors[0]
    else:
        expected = svc.request if direction == "request" else svc.response
        if payload.tag != expected.text:
            return [f"body element is {payload.tag}, the WSDL says {expected.text}"]
    if not svc.schema.validate(_standalone(payload)):
        found += [f"line {e.line}: {e.message}" for e in svc.schema.error_log]
    header = root.find(f"{{{SOAP_NS}}}Header")
    for item in (header if header is not None else []):
        if not isinstance(item.tag, str):
            continue
        want = "entete" if direction == "request" else "acquittement"
        if item.tag != f"{{{TECH_NS}}}{want}" and direction != "fault":
            found.append(f"header element {item.tag}: the WSDL binding says tec:{want}")
        elif not svc.schema.validate(_standalone(item)):
            found += [f"header line {e.line}: {e.message}" for e in svc.schema.error_log]
    return found
