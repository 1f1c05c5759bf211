"""Enedis SGE (B2B SOAP) client: technical data, detailed measures, télé-relève orders, M023 history orders.

    with SgeClient.from_connection("enedis_sge") as sge:                # inside a task (EnedisSgeHook)
        point = sge.technical_data(prm)
        body = sge.measures(prm, "load_curve", first, end)               # <= 7 days of curve per call
        order = sge.subscribe(prm, kind="CDC", first=d1, last=d2, consent=Consent(company="Ville de Lyon"))
        affaire = sge.order_history([prm], first, end)                   # M023: files arrive by SFTP

Why no zeep: the only machine-readable contract is Enedis's WSDL/XSD set, which collecte may not
ship (it comes in the GPLv3 `lowatt-enedis` package, a test-time dependency only), and zeep needs
those files at run time. The seven documents collecte sends are small and fixed, so they are built
with lxml in the schemas' element order (documents.py), and the test suite validates every request
and every sandbox answer against the official XSDs. The product runs without any GPL file.

Connection (Airflow, conn type http, read by collecte.airflow.hooks.enedis_sge only): host = SGE
root (https://sge-b2b.enedis.fr); login = the SGE user's e-mail (loginUtilisateur); extra =
{"contrat_id": ..., "cert_file": ..., "key_file": ...}: the TLS client certificate authenticates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from lxml import etree

from collecte.retry import RetryPolicy
from collecte.sources.enedis.errors import RequestRejected
from collecte.sources.enedis.sge import answers, codes, documents
from collecte.sources.enedis.sge.contracts import (
    CURVE_MAX_DAYS,
    HISTORY_BILLING,
    HISTORY_FINE,
    M023_MAX_POINTS,
    MEASURES,
    SEARCH,
    STOP,
    SUBSCRIBE,
    TECHNICAL,
    Operation,
)
from collecte.sources.enedis.sge.documents import Consent


@dataclass
class SgeClient:
    """One SGE contract: root URL, user login (an e-mail), contract id, client certificate."""

    base_url: str
    login: str = "collecte@example.fr"
    contract_id: str = "0000000"
    cert: tuple[str, str] | None = field(default=None, repr=False)
    timeout: float = 60.0
    ca_file: str | None = None  # CA bundle for SGE's server certificate (default: the system's)
    policy: RetryPolicy | None = None
    trace: Any = field(default=None, repr=False)  # called with (operation, request, answer) for every answer
    _http: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from collecte.sources.http import ResilientClient

        documents.check_login(self.login)
        documents.check_contract(self.contract_id)
        transport = None
        if self.cert or self.ca_file:  # the TLS client certificate is what authenticates to SGE
            import ssl

            context = ssl.create_default_context(cafile=self.ca_file)
            if self.cert:
                context.load_cert_chain(*self.cert)
            transport = httpx.HTTPTransport(verify=context)
        policy = self.policy or RetryPolicy(read_timeout=self.timeout, total_timeout=self.timeout)
        self._http = ResilientClient(self.base_url, policy=policy, transport=transport)

    @classmethod
    def from_connection(cls, conn_id: str = "enedis_sge") -> SgeClient:
        """A client from the Airflow connection (inside tasks only), through the SGE hook."""
        from collecte.airflow.hooks.enedis_sge import EnedisSgeHook

        return EnedisSgeHook(conn_id).get_client()

    def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> SgeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post(self, operation: Operation, document: bytes) -> bytes:
        """Send one SOAP document through the shared resilient HTTP layer; the answer's bytes.

        Timeouts, cut or unreadable answers and 5xx without an SGT code are retried there; a SOAP
        fault raises its SGT code's exception at once (SGT500/SGT506 are retried, being transient).
        """
        def refused(reply: Any) -> Exception | None:
            if self.trace is not None:
                self.trace(operation, document, reply.content)
            return _fault(reply.content, operation)

        reply = self._http.post(operation.path, what=f"SGE {operation.service}", content=document,
                                headers={"Content-Type": "text/xml; charset=utf-8",
                                         "SOAPAction": f'"{operation.soap_action}"'},
                                parse=lambda content: etree.fromstring(content, answers.PARSER),
                                error_for=refused)
        if self.trace is not None:
            self.trace(operation, document, reply.content)
        return reply.content

    def call(self, operation: Operation, document: bytes) -> etree._Element:
        """Send and read the answer element (raises the SGT code's exception on a refusal)."""
        return answers.read_answer(self.post(operation, document), operation)

    # -- consultation -----------------------------------------------------------------------
    def technical_data(self, prm: str) -> dict[str, Any]:
        """ConsultationDonneesTechniquesContractuelles: the `point` as a dict."""
        return answers.technical(self.call(TECHNICAL, documents.technical_request(prm, self.login)))

    def measures(self, prm: str, kind: str, first: date, end: date, *, direction: str = "SOUTIRAGE") -> bytes:
        """ConsultationMesuresDetaillees v3 over [first, end): the raw SOAP answer (landed as is).

        Curves are refused over more than 7 days (split with `measure_spans`).
        """
        if kind == "load_curve" and (end - first).days > CURVE_MAX_DAYS:
            raise RequestRejected(f"SGE ConsultationMesuresDetaillees: {(end - first).days} days of curve in one "
                                  f"call (at most {CURVE_MAX_DAYS})", code="SGT4L8")
        body = self.post(MEASURES, documents.measures_request(prm, self.login, kind, first, end, direction=direction))
        answers.read_answer(body, MEASURES)  # refusals raise here
        return body

    # -- orders -----------------------------------------------------------------------------
    def subscribe(self, prm: str, *, kind: str, first: date, last: date | None, consent: Consent,
                  recurring: bool = True, step: str | None = None) -> dict[str, Any]:
        """CommandeCollectePublicationMesures v3: CDC (curve recording + transmission) or IDX (index + max power).

        Returns affaireId, serviceSouscritId and the prestations (e.g. fiche F300C, option F300CO1).
        """
        document = documents.subscribe_request(prm, self.login, self.contract_id, kind=kind, first=first, last=last,
                                               consent=consent, recurring=recurring, step=step,
                                               reference=f"collecte-{prm}")
        return answers.subscription(self.call(SUBSCRIBE, document))

    def stop(self, prm: str, service_id: str) -> dict[str, Any]:
        """CommandeArretServiceSouscritMesures: affaireId (and prestations) of the stop order."""
        document = documents.stop_request(prm, self.login, self.contract_id, service_id, reference=f"collecte-{prm}")
        return answers.subscription(self.call(STOP, document))

    def services(self, prm: str) -> list[dict[str, Any]]:
        """RechercherServicesSouscritsMesures: the point's subscribed services."""
        return answers.services(self.call(SEARCH, documents.search_request(prm, self.login, self.contract_id)))

    def order_history(self, prms: list[str], first: date, end: date, *, measures: str = "COURBES",
                      billing: bool = False, fmt: str = "CSV") -> str:
        """M023 over [first, end): the affaire id; the result files come later by SFTP."""
        operation = HISTORY_BILLING if billing else HISTORY_FINE
        document = documents.history_request(prms, self.login, self.contract_id, first, end, measures=measures,
                                             billing=billing, fmt=fmt, reference="collecte-m023")
        answer = self.call(operation, document)
        return (answer.text or "").strip()


def _fault(content: bytes, operation: Operation) -> Exception | None:
    """The SGT error a non-200 answer carries, or None (then the HTTP status decides)."""
    try:
        found = answers.fault_of(etree.fromstring(content, answers.PARSER))
    except etree.XMLSyntaxError:
        return None
    if found is None or found[0] == "SOAP-FAULT":
        return None
    return codes.error_for(found[0], found[1], f"SGE {operation.service}")


def measure_spans(first: date, end: date, kind: str) -> list[tuple[date, date]]:
    """[first, end) cut into ConsultationMesuresDetaillees calls: 7 days for curves, one call otherwise."""
    if kind != "load_curve":
        return [(first, end)] if first < end else []
    spans, start = [], first
    while start < end:
        stop = min(start + timedelta(days=CURVE_MAX_DAYS), end)
        spans.append((start, stop))
        start = stop
    return spans


def m023_spans(first: date, end: date, step_minutes: int) -> list[tuple[date, date]]:
    """[first, end) cut into M023 orders of at most 10,000 points each at this step."""
    days = max(1, M023_MAX_POINTS // (24 * 60 // step_minutes) - 1)  # a 25-hour day still fits
    spans, start = [], first
    while start < end:
        stop = min(date.fromordinal(start.toordinal() + days), end)
        spans.append((start, stop))
        start = stop
    return spans
