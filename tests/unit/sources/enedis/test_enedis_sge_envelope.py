"""SGE SOAP: requests built from dicts, answers and Faults read back with their result codes."""

import pytest
from lxml import etree

from collecte.sources.enedis.errors import RequestRejected, SgeFault
from collecte.sources.enedis.sge import envelope, m023_spans, parse_response
from sandbox.enedis import soap


def test_envelope_carries_the_consent_declaration():
    body = envelope("commandeCollectePublicationMesures", {"demande": {"accesMesures": {
        "declarationAccordClient": {"accord": True, "personneMorale": {"denominationSociale": "Ville de Lyon"}}}}})
    operation, content = soap.parse_request(body)
    assert operation == "commandeCollectePublicationMesures"
    accord = content["demande"]["accesMesures"]["declarationAccordClient"]
    assert accord == {"accord": "true", "personneMorale": {"denominationSociale": "Ville de Lyon"}}


def test_response_and_faults():
    ok = soap.response("commandeHistoriqueDonneesMesuresFines",
                       {"resultat": {"@code": "SGT200", "libelle": "Succès"}, "affaireId": "A1"})
    assert parse_response(ok, "x")["affaireId"] == "A1"
    with pytest.raises(RequestRejected) as too_long:
        parse_response(soap.fault("SGT4L8", "Période trop longue"), "m023")
    assert too_long.value.code == "SGT4L8"
    with pytest.raises(SgeFault) as other:
        parse_response(soap.fault("SGT4B4", "accord absent"), "order")
    assert other.value.code == "SGT4B4"
    etree.fromstring(ok)  # well-formed


def test_m023_orders_stay_under_ten_thousand_points():
    from datetime import date, timedelta

    from collecte.metering.continuity import expected_points

    for step in (10, 30, 60):
        spans = m023_spans(date(2025, 11, 1), date(2026, 11, 1), step)
        assert spans[0][0] == date(2025, 11, 1) and spans[-1][1] == date(2026, 11, 1)
        for start, end in spans:
            points = sum(expected_points(start + timedelta(days=i), step) for i in range((end - start).days))
            assert points <= 10_000
