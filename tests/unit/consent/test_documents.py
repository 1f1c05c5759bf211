"""Mandate text, operator consent fields, organization files, the Maildir mailer: no services needed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from collecte.consent.mailer import MaildirMailer
from collecte.consent.mandate_text import Customer, mandate_text
from collecte.consent.mandates import Mandate, default_end
from collecte.consent.operator_fields import ConsentFieldsError, adict_access_right_fields, sge_consent_fields
from collecte.consent.organizations import Organization, import_sites_csv, load_organization

pytestmark = pytest.mark.timeout(30)


def _mandate(**overrides) -> Mandate:
    values = dict(id="M-1", entity_id="e", contact_id="c", person_type="natural", company_name=None, siret=None,
                  naf=None, civility="Mme", surname="Durand", first_name="Léa", signatory_name="Léa Durand",
                  signatory_title=None, signatory_email="lea@example.org", postal_code="31000",
                  data_kinds=["daily", "consumption"], start_date=date(2026, 1, 1), end_date=date(2028, 12, 31),
                  status="signed", mandate_text="t", text_sha256="h", evidence_key="k",
                  signed_at=datetime(2026, 1, 1, tzinfo=UTC), signer_ip="1.2.3.4", revoked_at=None)
    values.update(overrides)
    return Mandate(**values)


def test_text_names_the_legal_person_kinds_meters_and_dates():
    text = mandate_text(customer=Customer("legal", "ACME SAS", "12345678900012", "35.14Z"),
                        signatory_name="Ana Lopez", signatory_title="DAF", signatory_email="ana@acme.example",
                        data_kinds=["load_curve", "invoices"], start=date(2026, 3, 1), end=date(2029, 2, 28),
                        meters=[("enedis", "30001234567890"), ("grdf", "GI000123")], accounts=[("volta", "V-1")])
    assert "La société ACME SAS, SIRET 12345678900012, code NAF 35.14Z, représentée par Ana Lopez, DAF" in text
    assert "courbe de charge" in text and "factures" in text and "index" not in text
    assert "Enedis (électricité, PRM) : 30001234567890" in text and "GRDF (gaz naturel, PCE) : GI000123" in text
    assert "Fournisseur volta, compte(s) client : V-1" in text
    assert "du 01/03/2026 au 28/02/2029 inclus" in text


def test_default_end_is_three_years_minus_a_day():
    assert default_end(date(2026, 3, 1)) == date(2029, 2, 28)
    assert default_end(date(2028, 2, 29)) == date(2031, 2, 27)


def test_sge_fields_for_natural_and_legal_persons():
    natural = sge_consent_fields(_mandate(), on=date(2026, 6, 1))
    assert natural["declarationAccordClient"] == {
        "accord": True, "personnePhysique": {"civilite": "Mme", "nom": "Durand", "prenom": "Léa"}}
    legal = sge_consent_fields(_mandate(person_type="legal", company_name="ACME SAS"))
    assert legal["declarationAccordClient"]["personneMorale"] == {"denominationSociale": "ACME SAS"}
    with pytest.raises(ConsentFieldsError, match="not in force"):
        sge_consent_fields(_mandate(), on=date(2030, 1, 1))
    with pytest.raises(ConsentFieldsError, match="revoked"):
        sge_consent_fields(_mandate(status="revoked"))


def test_adict_fields_follow_the_data_kinds():
    body = adict_access_right_fields(_mandate(), history_start=date(2024, 1, 1))
    assert body["nom_titulaire"] == "Durand" and "raison_sociale" not in body
    assert body["perim_donnees_conso_debut"] == "2024-01-01" and body["date_fin_droit_acces"] == "2028-12-31"
    assert (body["perim_donnees_informatives"], body["perim_donnees_publiees"],
            body["perim_donnees_contractuelles"], body["perim_donnees_techniques"]) == ("Vrai", "Vrai", "Faux", "Faux")
    with pytest.raises(ConsentFieldsError, match="postal code"):
        adict_access_right_fields(_mandate(postal_code=None))


def test_demo_organization_and_validation_errors(tmp_path: Path):
    org = load_organization(Path("include/config/organizations/demo.yaml"))
    assert [e.id for e in org.entities if e.autonomous] == ["filiale-sud"]
    assert sum(1 for _ in org.meters()) == 13
    with pytest.raises(ValueError, match="malformed"):
        Organization.model_validate({"id": "o", "name": "o", "entities": [
            {"id": "e", "name": "e", "sites": [{"id": "s", "name": "s", "meters": [{"id": "123", "operator": "enedis"}]}]}]})
    with pytest.raises(ValueError, match="autonomous but has no contact"):
        Organization.model_validate({"id": "o", "name": "o", "entities": [{"id": "e", "name": "e", "autonomous": True}]})
    csv_file = tmp_path / "sites.csv"
    csv_file.write_text("entity;site_id;site_name;postal_code;city;meter_id;operator\n"
                        "agence-lyon;lyon-depot;Dépôt;69007;Lyon;30001234567801;enedis\n"
                        "agence-lyon;lyon-depot;Dépôt;69007;Lyon;21100000000009;grdf\n", encoding="utf-8")
    bigger = import_sites_csv(org, csv_file)
    depot = next(s for e in bigger.entities for s in e.sites if s.id == "lyon-depot")
    assert [m.id for m in depot.meters] == ["30001234567801", "21100000000009"]


def test_maildir_mailer_delivers_to_the_sandbox_mailbox(tmp_path: Path):
    mailer = MaildirMailer(tmp_path / "box")
    mailer.send("a@example.org", "Code", "Votre code est 123456")
    mailer.send("b@example.org", "Autre", "x")
    (msg,) = mailer.messages_to("a@example.org")
    assert msg["Subject"] == "Code" and "123456" in msg.get_content()
    assert len(list((tmp_path / "box" / "new").iterdir())) == 2
