"""Enedis SGE (B2B SOAP) client: technical data, télé-relève orders, M023 history orders.

    sge = SgeClient.from_connection("enedis_sge")                       # inside a task
    point = sge.technical_data(prm)
    order = sge.subscribe(prm, kind="CDC", first=d1, last=d2, consent=sge_consent_fields(mandate))
    affaire = sge.order_history([prm], first, end, consent=...)          # M023: files arrive by SFTP

Plain httpx + lxml rather than zeep: zeep needs each service's WSDL and XSDs (Enedis ships them to
contract holders only), while the five operations used here are small documents; building them
from dicts keeps the request visible in the code and the same against the sandbox or production.
Every order carries the customer's consent as the mandate gives it (`declarationAccordClient`:
accord plus the natural or legal person, and the access frame), see collecte.consent.operator_fields.

Connection (Airflow, conn type http): host = SGE root; extra = {"login_utilisateur": ...,
"contrat_id": ..., "cert_file": ..., "key_file": ..., "path_template": "/sge/{operation}"}; the
client certificate authenticates in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from lxml import etree

from collecte.sources.enedis.errors import RequestRejected, SgeFault, Transient

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SGE_NS = "http://www.enedis.fr/sge/b2b/services/v3"
M023_MAX_POINTS = 10_000


def _append(parent: etree._Element, key: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            _append(parent, key, item)
        return
    child = etree.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _append(child, k, v)
    else:
        child.text = str(value).lower() if isinstance(value, bool) else str(value)


def envelope(operation: str, content: dict[str, Any]) -> bytes:
    """A SOAP 1.1 request `<sge:{operation}>` holding `content` (dicts become elements)."""
    root = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soapenv": SOAP_NS, "sge": SGE_NS})
    etree.SubElement(root, f"{{{SOAP_NS}}}Header")
    body = etree.SubElement(root, f"{{{SOAP_NS}}}Body")
    request = etree.SubElement(body, f"{{{SGE_NS}}}{operation}")
    for key, value in content.items():
        _append(request, key, value)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _to_dict(element: etree._Element) -> Any:
    children = [c for c in element if isinstance(c.tag, str)]
    attributes = {f"@{etree.QName(k).localname}": v for k, v in element.attrib.items()}
    if not children:
        text = (element.text or "").strip()
        return {**attributes, "#text": text} if attributes else text
    out: dict[str, Any] = dict(attributes)
    for child in children:
        key, value = etree.QName(child).localname, _to_dict(child)
        if key in out:
            out[key] = out[key] if isinstance(out[key], list) else [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def parse_response(body: bytes, operation: str) -> dict[str, Any]:
    """The content of `<{operation}Response>`; raises SgeFault on a Fault or a non-SGT200 result."""
    root = etree.fromstring(body)
    fault = root.find(f".//{{{SOAP_NS}}}Fault")
    if fault is not None:
        result = fault.find(".//resultat")
        code = result.get("code") if result is not None else "SOAP-FAULT"
        message = fault.findtext("faultstring") or ""
        kind = RequestRejected if code == "SGT4L8" else SgeFault
        raise kind(f"SGE {operation}: {code} {message}", code=code)
    answer = root.find(f".//{{{SOAP_NS}}}Body/*")
    if answer is None:
        raise SgeFault(f"SGE {operation}: empty SOAP body")
    content = _to_dict(answer)
    code = (content.get("resultat") or {}).get("@code") if isinstance(content, dict) else None
    if code and code != "SGT200":
        raise SgeFault(f"SGE {operation}: result {code}", code=code)
    return content if isinstance(content, dict) else {}


@dataclass
class SgeClient:
    """One SGE contract (login, contract id, client certificate)."""

    base_url: str
    login_utilisateur: str = "collecte@example.fr"
    contrat_id: str = "0000000"
    path_template: str = "/sge/{operation}"
    cert: tuple[str, str] | None = field(default=None, repr=False)
    timeout: float = 60.0
    _http: httpx.Client | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url.rstrip("/"), timeout=self.timeout, cert=self.cert)

    @classmethod
    def from_connection(cls, conn_id: str = "enedis_sge") -> SgeClient:
        """A client from an Airflow connection (inside tasks only)."""
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
        extra = conn.extra_dejson
        host = conn.host or ""
        if not host.startswith("http"):
            host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        cert = (extra["cert_file"], extra["key_file"]) if extra.get("cert_file") else None
        return cls(host, extra.get("login_utilisateur", conn.login or "collecte@example.fr"),
                   extra.get("contrat_id", "0000000"), extra.get("path_template", "/sge/{operation}"), cert)

    def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> SgeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, operation: str, content: dict[str, Any]) -> dict[str, Any]:
        """One SOAP call; 5xx without a Fault and timeouts are Transient."""
        try:
            answer = self._http.post(self.path_template.format(operation=operation),
                                     content=envelope(operation, content),
                                     headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation})
        except httpx.TransportError as exc:
            raise Transient(f"SGE {operation}: {type(exc).__name__}") from None
        if answer.status_code >= 500 and b"Fault" not in answer.content:
            raise Transient(f"SGE {operation}: HTTP {answer.status_code}", status=answer.status_code)
        return parse_response(answer.content, operation)

    def _general(self, prm: str, objet: str) -> dict[str, Any]:
        return {"refExterne": f"collecte-{prm}", "objetCode": objet, "pointId": prm,
                "initiateurLogin": self.login_utilisateur, "contratId": self.contrat_id}

    def technical_data(self, prm: str) -> dict[str, Any]:
        """ConsultationDonneesTechniquesContractuelles: the `point` element as a dict."""
        content = self.call("consultationDonneesTechniquesContractuelles",
                            {"pointId": prm, "loginUtilisateur": self.login_utilisateur, "autorisationClient": True})
        return content.get("point") or {}

    def subscribe(self, prm: str, *, kind: str, first: date, last: date, consent: dict[str, Any],
                  recurring: bool = True, step: str = "PT30M") -> dict[str, str]:
        """CommandeCollectePublicationMesures: kind CDC (curve, F300C) or IDX (daily index + max power, F305).

        For CDC this also activates load-curve recording on the meter.
        """
        content = self.call("commandeCollectePublicationMesures", {"demande": {
            "donneesGenerales": self._general(prm, "AME"),
            "accesMesures": {"dateDebut": first.isoformat(), "dateFin": last.isoformat(),
                             "declarationAccordClient": consent["declarationAccordClient"],
                             "cadreAcces": consent.get("cadreAcces", "ACCORD_CLIENT"),
                             "mesuresTypeCode": kind, "soutirage": True, "injection": False,
                             "mesuresPas": step if kind == "CDC" else None, "mesuresCorrigees": False,
                             "transmissionRecurrente": recurring,
                             "periodiciteTransmission": "P1D" if recurring else None}}})
        prestation = (content.get("prestations") or {}).get("prestation") or {}
        return {"affaireId": content["affaireId"], "serviceSouscritId": content.get("serviceSouscritId", ""),
                "prestation": prestation.get("fiche", "")}

    def stop(self, prm: str, service_id: str) -> str:
        """CommandeArretServiceSouscritMesures: the affaire id of the stop order."""
        content = self.call("commandeArretServiceSouscritMesures", {"demande": {
            "donneesGenerales": self._general(prm, "ASS"), "arretServiceSouscrit": {"serviceSouscritId": service_id}}})
        return content["affaireId"]

    def services(self, prm: str) -> list[dict[str, Any]]:
        """RechercherServicesSouscritsMesures: the meter's subscribed services."""
        content = self.call("rechercherServicesSouscritsMesures",
                            {"criteres": {"pointId": prm, "contratId": self.contrat_id}})
        found = (content.get("servicesSouscritsMesures") or {}) if isinstance(
            content.get("servicesSouscritsMesures"), dict) else {}
        services = found.get("serviceSouscritMesures") or []
        return services if isinstance(services, list) else [services]

    def order_history(self, prms: list[str], first: date, end: date, *, consent: dict[str, Any],
                      kind: str = "COURBES", fmt: str = "CSV") -> str:
        """M023 (CommandeHistoriqueDonneesMesuresFines) over [first, end): the affaire id; files come by SFTP."""
        content = self.call("commandeHistoriqueDonneesMesuresFines", {"demande": {
            "donneesGenerales": {"refExterne": "collecte-m023", "objetCode": "M023",
                                 "initiateurLogin": self.login_utilisateur, "contratId": self.contrat_id},
            "demandePublicationMesuresFines": {
                "pointIds": {"pointId": prms}, "mesuresTypeCode": kind, "dateDebut": first.isoformat(),
                "dateFin": end.isoformat(), "mesuresCorrigees": False, "sens": "SOUTIRAGE", "format": fmt,
                "declarationAccordClient": consent["declarationAccordClient"],
                "cadreAcces": consent.get("cadreAcces", "ACCORD_CLIENT")}}})
        return content["affaireId"]


def m023_spans(first: date, end: date, step_minutes: int) -> list[tuple[date, date]]:
    """[first, end) cut into M023 orders of at most 10,000 points each at this step."""
    days = max(1, M023_MAX_POINTS // (24 * 60 // step_minutes) - 1)  # a 25-hour day still fits
    spans, start = [], first
    while start < end:
        stop = min(date.fromordinal(start.toordinal() + days), end)
        spans.append((start, stop))
        start = stop
    return spans
