"""A minimal SOAP 1.1 envelope codec for the SGE stand-in (hand-rolled: no WSDL to serve)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SGE_NS = "http://www.enedis.fr/sge/b2b/services/v3"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def element_to_dict(element: ET.Element) -> Any:
    """Children become keys (local names); repeated children become lists; leaves become text."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        key, value = _local(child.tag), element_to_dict(child)
        if key in out:
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def parse_request(body: bytes) -> tuple[str, dict[str, Any]]:
    """(operation local name, its content as a dict) of a SOAP request."""
    root = ET.fromstring(body)
    body_el = root.find(f"{{{SOAP_NS}}}Body")
    if body_el is None or not len(body_el):
        raise ValueError("no SOAP Body")
    operation = body_el[0]
    content = element_to_dict(operation)
    return _local(operation.tag), content if isinstance(content, dict) else {}


def _append(parent: ET.Element, key: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _append(parent, key, item)
        return
    child = ET.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            if k.startswith("@"):
                child.set(k[1:], str(v))
            else:
                _append(child, k, v)
    elif value is not None:
        child.text = str(value).lower() if isinstance(value, bool) else str(value)


def response(operation: str, content: dict[str, Any]) -> bytes:
    """A SOAP response envelope `<ns:{operation}Response>` holding `content`."""
    ET.register_namespace("soapenv", SOAP_NS)
    ET.register_namespace("sge", SGE_NS)
    envelope = ET.Element(f"{{{SOAP_NS}}}Envelope")
    ET.SubElement(envelope, f"{{{SOAP_NS}}}Header")
    body = ET.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    answer = ET.SubElement(body, f"{{{SGE_NS}}}{operation}Response")
    for key, value in content.items():
        _append(answer, key, value)
    return ET.tostring(envelope, xml_declaration=True, encoding="utf-8")


def fault(code: str, message: str) -> bytes:
    """A SOAP Fault carrying an SGE result code."""
    ET.register_namespace("soapenv", SOAP_NS)
    envelope = ET.Element(f"{{{SOAP_NS}}}Envelope")
    body = ET.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    fault_el = ET.SubElement(body, f"{{{SOAP_NS}}}Fault")
    ET.SubElement(fault_el, "faultcode").text = "soapenv:Server"
    ET.SubElement(fault_el, "faultstring").text = message
    detail = ET.SubElement(fault_el, "detail")
    erreur = ET.SubElement(detail, "erreur")
    result = ET.SubElement(erreur, "resultat", code=code)
    result.text = message
    return ET.tostring(envelope, xml_declaration=True, encoding="utf-8")
