"""Every SGE request collecte sends, and answers shaped like the real ones, against Enedis's official XSDs.

The schemas come from the `lowatt-enedis` package (GPLv3, a test dependency only): the product never
reads them. sandbox.enedis.xsd only locates and compiles them.
"""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from collecte.sources.enedis.errors import NoConsent, RequestRejected, SgeFault, Transient
from collecte.sources.enedis.sge import answers, codes, documents
from collecte.sources.enedis.sge.contracts import MEASURES, OPERATIONS, SUBSCRIBE
from collecte.sources.enedis.sge.documents import Consent, DocumentError

xsd = pytest.importorskip("sandbox.enedis.xsd")
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sge"
LOGIN, PRM, CONTRACT = "collecte@example.fr", "30001234567890", "1234567"
D1, D2 = date(2026, 1, 1), date(2026, 1, 8)


def valid(document: bytes, service: str, direction: str = "request") -> list[str]:
    return xsd.problems(document, xsd.service(service), direction)


REQUESTS = {
    "technical": ("ConsultationDonneesTechniquesContractuelles", lambda: documents.technical_request(PRM, LOGIN)),
    "curve": ("ConsultationMesuresDetailleesV3",
              lambda: documents.measures_request(PRM, LOGIN, "load_curve", D1, D2)),
    "daily": ("ConsultationMesuresDetailleesV3",
              lambda: documents.measures_request(PRM, LOGIN, "daily_consumption", D1, D2, direction="INJECTION")),
    "pmax": ("ConsultationMesuresDetailleesV3", lambda: documents.measures_request(PRM, LOGIN, "max_power", D1, D2)),
    "index": ("ConsultationMesuresDetailleesV3", lambda: documents.measures_request(PRM, LOGIN, "index", D1, D2)),
    "subscribe_legal": ("CommandeCollectePublicationMesures", lambda: documents.subscribe_request(
        PRM, LOGIN, CONTRACT, kind="CDC", first=D1, last=date(2026, 12, 31), consent=Consent(company="Ville de Lyon"),
        reference="collecte-x")),
    "subscribe_natural": ("CommandeCollectePublicationMesures", lambda: documents.subscribe_request(
        PRM, LOGIN, CONTRACT, kind="IDX", first=D1, last=None,
        consent=Consent(surname="Dupont", first_name="Anne", civility="MME"))),
    "subscribe_once": ("CommandeCollectePublicationMesures", lambda: documents.subscribe_request(
        PRM, LOGIN, CONTRACT, kind="CDC", first=D1, last=D2, consent=Consent(surname="Dupont"), recurring=False,
        step="PT10M")),
    "stop": ("CommandeArretServiceSouscritMesures",
             lambda: documents.stop_request(PRM, LOGIN, CONTRACT, "64697749", reference="r")),
    "list": ("RechercheServicesSouscritsMesures", lambda: documents.search_request(PRM, LOGIN, CONTRACT)),
    "m023_fine": ("CommandeHistoriqueDonneesMesuresFines", lambda: documents.history_request(
        [PRM, "30001234567891"], LOGIN, CONTRACT, D1, D2, measures="COURBES", fmt="JSON")),
    "m023_billing": ("CommandeHistoriqueDonneesMesuresFacturantes", lambda: documents.history_request(
        [PRM], LOGIN, CONTRACT, D1, D2, billing=True, access_frame="EST_TITULAIRE")),
}


@pytest.mark.parametrize("case", sorted(REQUESTS))
def test_every_request_is_valid_against_the_official_xsd(case):
    service, build = REQUESTS[case]
    document = build()
    assert valid(document, service) == []
    # endpoint and root element as the WSDL says
    operation = next(op for op in OPERATIONS.values() if op.request == xsd.service(service).request.localname
                     and op.namespace == xsd.service(service).request.namespace)
    assert operation.path == xsd.service(service).path
    assert bool(operation.header_version) == xsd.service(service).has_header


def test_request_children_are_unqualified_and_the_consent_is_exactly_the_schema():
    root = etree.fromstring(REQUESTS["subscribe_natural"][1]())
    request = root.find(f"{{{xsd.SOAP_NS}}}Body")[0]
    assert all(etree.QName(e).namespace is None for e in request.iter() if e is not request)
    accord = request.find("demande/accesMesures/declarationAccordClient")
    assert [e.tag for e in accord] == ["accord", "personnePhysique"]
    assert [e.tag for e in accord.find("personnePhysique")] == ["civilite", "nom", "prenom"]


def test_the_validator_refuses_what_enedis_refuses():
    good = REQUESTS["curve"][1]()
    old_namespace = good.replace(b"consultationmesuresdetaillees/common", b"sge/b2b/services/v3")
    assert valid(old_namespace, "ConsultationMesuresDetailleesV3")
    technical = REQUESTS["technical"][1]().replace(LOGIN.encode(), b"not-an-email")
    assert valid(technical, "ConsultationDonneesTechniquesContractuelles")  # ds:UtilisateurLoginType: e-mail
    both = REQUESTS["subscribe_legal"][1]().replace(
        b"</personneMorale>", b"</personneMorale><personnePhysique><nom>X</nom></personnePhysique>")
    assert valid(both, "CommandeCollectePublicationMesures")
    reordered = good.replace(b"<mesuresCorrigees>false</mesuresCorrigees>", b"").replace(
        b"</sens>", b"</sens><mesuresCorrigees>false</mesuresCorrigees>")
    assert valid(reordered, "ConsultationMesuresDetailleesV3")  # xs:sequence: order matters
    missing = good.replace(b"<sens>SOUTIRAGE</sens>", b"")
    assert valid(missing, "ConsultationMesuresDetailleesV3")


def test_the_client_checks_what_the_schemas_constrain_before_sending():
    with pytest.raises(DocumentError, match="e-mail"):
        documents.technical_request(PRM, "collecte")
    with pytest.raises(DocumentError, match="14 digits"):
        documents.technical_request("123", LOGIN)
    with pytest.raises(DocumentError, match="exactly one"):
        Consent(company="A", surname="B")
    with pytest.raises(DocumentError, match="exactly one"):
        Consent()
    with pytest.raises(DocumentError, match="accord"):
        Consent.from_fields({"declarationAccordClient": {"accord": False, "personneMorale": {"denominationSociale": "A"}}})
    fields = {"declarationAccordClient": {"accord": True, "personnePhysique": {"civilite": "", "nom": "Dupont",
                                                                             "prenom": "Anne"}},
              "cadreAcces": "ACCORD_CLIENT"}
    assert Consent.from_fields(fields) == Consent(surname="Dupont", first_name="Anne")


def test_answers_shaped_like_the_real_ones_are_valid_and_read():
    subscribe = (FIXTURES / "subscribe_cdc_answer.xml").read_bytes()
    assert valid(subscribe, "CommandeCollectePublicationMesures", "response") == []
    order = answers.subscription(answers.read_answer(subscribe, SUBSCRIBE))
    assert order == {"affaireId": "M02ABCDE", "serviceSouscritId": "64690001",
                     "prestations": [{"rang": 1, "fiche": "F300C", "option": "F300CO1"}]}
    for name in ("cmd_v3_curve_answer.xml", "cmd_v3_pmax_answer.xml"):
        assert valid((FIXTURES / name).read_bytes(), "ConsultationMesuresDetailleesV3", "response") == []


def test_cmd_v3_answers_become_the_data_connect_records():
    from collecte.metering.dataconnect import parse_measures

    body = (FIXTURES / "cmd_v3_curve_answer.xml").read_bytes()
    document = answers.measures_document(answers.read_answer(body, MEASURES), "load_curve", PRM)
    rows = parse_measures([("courbe_de_charge_consommation", "k", document)])["load_curve"].to_pylist()
    # 2025-10-26: the repeated 02:30 wall-clock time is two instants, an hour apart
    assert [r["interval_end"] for r in rows] == [
        datetime(2025, 10, 25, 22, 30, tzinfo=UTC), datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
        datetime(2025, 10, 26, 1, 30, tzinfo=UTC), datetime(2025, 10, 26, 2, 0, tzinfo=UTC)]
    assert [(r["power_w"], r["energy_wh"], r["interval_minutes"]) for r in rows][0] == (1268, 634.0, 30)
    assert {r["meter_id"] for r in rows} == {"09111642617347"}
    pmax = answers.measures_document(answers.read_answer((FIXTURES / "cmd_v3_pmax_answer.xml").read_bytes(),
                                                         MEASURES), "max_power", PRM)
    rows = parse_measures([("puissance_conso_max_quotidienne", "k", pmax)])["max_power"].to_pylist()
    assert [(str(r["day"]), r["max_power_va"], r["reached_at"]) for r in rows] == [
        ("2026-04-01", 6241, datetime(2026, 4, 1, 7, 13, 20, tzinfo=UTC)),
        ("2026-04-02", 3382, datetime(2026, 4, 2, 20, 35, 42, tzinfo=UTC))]


def fault(code: str, text: str) -> bytes:
    return (f'<soap:Envelope xmlns:soap="{xsd.SOAP_NS}"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode>'
            f'<faultstring>{text}</faultstring><detail><ns2:erreur xmlns:ns2="{xsd.TECH_NS}">'
            f'<resultat code="{code}">{text}</resultat></ns2:erreur></detail></soap:Fault></soap:Body>'
            f'</soap:Envelope>').encode()


def test_faults_are_parsed_per_the_schema_and_mapped_to_their_meaning():
    document = fault("SGT4L8", "La durée demandée n'est pas compatible avec le type de mesure demandé")
    assert valid(document, "CommandeHistoriqueDonneesMesuresFines", "fault") == []
    with pytest.raises(RequestRejected) as too_long:
        answers.read_answer(document, MEASURES)
    assert too_long.value.code == "SGT4L8"
    with pytest.raises(NoConsent) as consent:
        answers.read_answer(fault("SGT4K2", "accord"), SUBSCRIBE)
    assert "accord pour la transmission" in str(consent.value)
    with pytest.raises(SgeFault) as other:
        answers.read_answer(fault("SGT401", "x"), SUBSCRIBE)
    assert other.value.code == "SGT401" and "point inexistant" in str(other.value)
    with pytest.raises(Transient):
        answers.read_answer(b"<soap:Envelope", SUBSCRIBE)
    with pytest.raises(SgeFault, match="expected"):
        answers.read_answer((FIXTURES / "cmd_v3_pmax_answer.xml").read_bytes(), SUBSCRIBE)


def test_sgt_codes_have_enedis_meanings():
    assert codes.meaning("SGT200") == "Succès"
    assert codes.meaning("SGT562").startswith("Problème : le message de demande est malformé")
    assert len(codes.CODES) > 80 and all(k.startswith("SGT") for k in codes.CODES)
    assert "absent" in codes.meaning("SGT999")
