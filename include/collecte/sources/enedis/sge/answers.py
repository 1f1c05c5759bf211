"""SGE answers read as the schemas define them: the answer element, the acquittement, SOAP faults.

A fault carries `detail/tec:erreur/resultat/@code` (an SGT code, see codes.py); services with a
header also acknowledge success in `tec:acquittement/resultat`. The measures of a
ConsultationMesuresDetaillees v3 answer become the documents Data Connect gives for the same
measures, so both roads end in the same canonical records (collecte.metering.dataconnect).
"""

from __future__ import annotations

from typing import Any

import orjson
from lxml import etree

from collecte.sources.enedis.errors import SgeFault, Transient
from collecte.sources.enedis.sge.codes import SUCCESS, error_for
from collecte.sources.enedis.sge.contracts import SOAP_NS, TECH_NS, Operation

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_xml(body: bytes, what: str) -> etree._Element:
    """The document's root; an unreadable answer is Transient (cut short or not XML)."""
    try:
        return etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as exc:
        raise Transient(f"{what}: answer is not XML ({exc})") from None


def fault_of(root: etree._Element) -> tuple[str, str] | None:
    """(SGT code, message) of a SOAP Fault, or None."""
    fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    if fault is None:
        return None
    result = fault.find(f"detail/{{{TECH_NS}}}erreur/resultat")
    code = result.get("code") if result is not None else None
    message = (result.text if result is not None else None) or fault.findtext("faultstring") or ""
    return code or "SOAP-FAULT", message.strip()


def read_answer(body: bytes, operation: Operation) -> etree._Element:
    """The answer element of `operation`; raises the SGT code's exception on a fault or refusal."""
    what = f"SGE {operation.service}"
    root = parse_xml(body, what)
    fault = fault_of(root)
    if fault is not None:
        code, message = fault
        if code == "SOAP-FAULT":
            raise SgeFault(f"{what}: SOAP fault without an SGT code: {message}", code=code)
        raise error_for(code, message, what)
    acknowledgement = root.find(f"{{{SOAP_NS}}}Header/{{{TECH_NS}}}acquittement/resultat")
    if acknowledgement is not None and acknowledgement.get("code") != SUCCESS:
        raise error_for(acknowledgement.get("code") or "", acknowledgement.text or "", what)
    answer = root.find(f"{{{SOAP_NS}}}Body/{{{operation.namespace}}}{operation.response}")
    if answer is None:
        found = [etree.QName(e).text for e in root.iterfind(f"{{{SOAP_NS}}}Body/*")]
        raise SgeFault(f"{what}: expected {operation.response} in {operation.namespace}, got {found}",
                       code="SOAP-SHAPE")
    return answer


def to_dict(element: etree._Element) -> Any:
    """Children by local name (repeated ones as lists), attributes as `@name`, text of mixed ones as `#text`."""
    children = [c for c in element if isinstance(c.tag, str)]
    attributes = {f"@{etree.QName(k).localname}": v for k, v in element.attrib.items()}
    if not children:
        text = (element.text or "").strip()
        return {**attributes, "#text": text} if attributes else text
    out: dict[str, Any] = dict(attributes)
    for child in children:
        key, value = etree.QName(child).localname, to_dict(child)
        if key in out:
            out[key] = out[key] if isinstance(out[key], list) else [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def as_list(value: Any) -> list[Any]:
    """A repeated element as a list whether it came once, many times or not at all."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def code_of(value: Any) -> str | None:
    """`@code` of a dictionary type such as dc:PointSegmentClienteleType."""
    return value.get("@code") if isinstance(value, dict) else (value or None)


def subscription(answer: etree._Element) -> dict[str, Any]:
    """affaireId, serviceSouscritId and prestations (fiche/option codes) of a subscription or stop answer."""
    content = to_dict(answer)
    content = content if isinstance(content, dict) else {}
    prestations = [{"rang": int(p["rang"]), "fiche": code_of(p.get("fiche")), "option": code_of(p.get("option"))}
                   for p in as_list((content.get("prestations") or {}).get("prestation"))]
    return {"affaireId": content.get("affaireId"), "serviceSouscritId": content.get("serviceSouscritId"),
            "prestations": prestations}


def services(answer: etree._Element) -> list[dict[str, Any]]:
    """The subscribed services of a RechercherServicesSouscritsMesures answer, one dict each."""
    content = to_dict(answer)
    found = (content.get("servicesSouscritsMesures") or {}) if isinstance(content, dict) else {}
    out = []
    for item in as_list(found.get("serviceSouscritMesures") if isinstance(found, dict) else None):
        kind = item.get("serviceSouscritType") or {}
        out.append({**{k: v for k, v in item.items() if k != "serviceSouscritType"},
                    "serviceSouscritType": kind.get("@code"), "serviceSouscritTypeLibelle": kind.get("libelle")})
    return out


def measures_document(answer: etree._Element, kind: str, prm: str) -> bytes:
    """The Data Connect shaped JSON of a ConsultationMesuresDetaillees v3 answer (same records downstream).

    Curves, daily energy and max power come in `grandeur/points` (`d` Paris wall clock, `p` the step);
    indexes in `contexte/grandeur/calendrier/classeTemporelle/valeur` per time class.
    """
    content = to_dict(answer)
    content = content if isinstance(content, dict) else {}
    grandeurs: list[dict[str, Any]] = []
    step = None
    for grandeur in as_list(content.get("grandeur")):
        points = [p for block in as_list(grandeur.get("points")) for p in as_list(block)]
        step = step or next((p.get("p") for p in points if p.get("p")), None)
        grandeurs.append({"grandeurMetier": grandeur.get("grandeurMetier"),
                          "points": [{"v": p.get("v") or None, "d": p.get("d")} for p in points]})
    quality = content.get("mesuresCorrigees") or None
    for contexte in as_list(content.get("contexte")):
        quality = quality or contexte.get("etapeMetier")
        for grandeur in as_list(contexte.get("grandeur")):
            for calendar in as_list(grandeur.get("calendrier")):
                for klass in as_list(calendar.get("classeTemporelle")):
                    grandeurs.append({
                        "grandeurMetier": grandeur.get("grandeurMetier"),
                        "classeTemporelle": klass.get("idClasseTemporelle"),
                        "points": [{"v": v.get("v"), "d": v.get("d"), "contexte": contexte.get("contexteReleve")}
                                   for v in as_list(klass.get("valeur"))]})
    document = {"idPrm": content.get("pointId") or prm, "etapeMetier": quality,
                "pas": step or content.get("pas"), "grandeur": grandeurs, "source": "SGE", "kind": kind}
    return orjson.dumps(document)


def technical(answer: etree._Element) -> dict[str, Any]:
    """The `point` of a ConsultationDonneesTechniquesContractuelles answer, as a dict."""
    content = to_dict(answer)
    point = content.get("point") if isinstance(content, dict) else None
    if not isinstance(point, dict):
        raise SgeFault("SGE ConsultationDonneesTechniquesContractuelles: answer without a point", code="SOAP-SHAPE")
    return point


def curve_step_minutes(point: dict[str, Any]) -> int:
    """The load-curve step a point records: 10 minutes for C1-C4 and P1-P3, 30 for C5 and P4 (default)."""
    segment = code_of((point.get("donneesGenerales") or {}).get("segment")) or "C5"
    return 10 if segment in ("C1", "C2", "C3", "C4", "P1", "P2", "P3") else 30
