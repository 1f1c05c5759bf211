"""The ADICT sandbox answers in the documented shapes and refuses what ADICT refuses.

Every answer of every test using the `adict` fixture is validated against adict_shapes.py (written
from the primary sources) by the fixture itself; this module drives every endpoint and refusal on
purpose, checks the models do catch a wrong shape, and checks against the lowatt-grdf package
(the reference client, used only here as a test-time oracle) where it has models.
"""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from pydantic import ValidationError

from collecte.sources.grdf import MandateFields, declare_access_right, revoke_access_right, send_proofs
from sandbox.grdf.app import TOKEN_PATH
from tests.integration.grdf.adict_shapes import InformativeRecord, check_answer

pytestmark = [pytest.mark.timeout(90)]
T2 = "21100000000001"
NEW_PCE = "21100000000055"


def _headers(client) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token()}"}


def _fields(sandbox, **over) -> MandateFields:
    today = sandbox.state.today()
    values = dict(code_postal="69003", courriel_titulaire="energie@mairie.example", raison_sociale="MAIRIE",
                  date_debut_droit_acces=today, date_fin_droit_acces=today + timedelta(days=365),
                  perim_donnees_conso_debut=today - timedelta(days=365), perim_donnees_conso_fin=today,
                  perim_donnees_techniques=False)
    return MandateFields(**(values | over))


def test_every_endpoint_answers_in_a_documented_shape(adict, client):
    today = adict.state.today()
    client.consumption("consumption", T2, today - timedelta(days=200), today, today=today)
    client.consumption("daily", T2, today - timedelta(days=20), today, today=today)
    adict.state.today_override = date(2026, 11, 20)  # the November period is not published yet: a note
    client.consumption("consumption", T2, date(2026, 11, 10), date(2026, 11, 20), today=date(2026, 11, 20))
    adict.state.today_override = None
    client.point_data("contract", T2)
    client.point_data("technical", T2)
    right = declare_access_right(client, NEW_PCE, _fields(adict))
    send_proofs(client, right.id, [("mandat.pdf", b"%PDF-1.7", "application/pdf")])
    client.list_rights()
    client.list_rights(pces=[T2], states=["Active"])
    revoke_access_right(client, NEW_PCE)
    httpx.get(client.api_url + f"/pce/{T2}/donnees_techniques")  # no token
    seen = {check_answer(*answer, TOKEN_PATH) for answer in adict.state.answers}
    assert seen >= {"TokenAnswer", "PublishedRecord", "InformativeRecord", "ContractRecord", "TechnicalRecord",
                    "DeclarationAnswer", "AccessRightLine", "StatusLine(ok)", "OAuthError"}
    nothing = [a for a in adict.state.answers if a[1].endswith("publiees") and b"statut_restitution\":{" in a[4]]
    assert nothing, "a period without data is answered 200 with statut_restitution"


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "words"), [
    ("GET", f"/pce/{T2}/donnees_consos_informatives",
     {"params": {"date_debut": "2026-11-01", "date_fin": "2026-11-02", "pas": "P1D"}}, 400, "pas"),
    ("GET", f"/pce/{T2}/donnees_consos_informatives", {"params": {"date_debut": "2026-11-01"}}, 400, "date_fin"),
    ("GET", f"/pce/{T2}/donnees_consos_informatives",
     {"params": {"date_debut": "2026-11-01T00:00:00", "date_fin": "2026-11-02"}}, 400, "AAAA-MM-JJ"),
    ("GET", f"/pce/{T2}/donnees_contractuelles", {"params": {"date_debut": "2026-11-01"}}, 400, "date_debut"),
    ("GET", "/droits_acces", {"params": {"id_pce": T2}}, 400, "id_pce"),
    ("POST", "/droits_acces", {"json": {"pce": [T2]}}, 400, "pce"),
    ("POST", "/droits_acces", {"json": {"etat_droit_acces": ["Activée"]}}, 400, "Activée"),
    ("GET", f"/pce/{T2}/donnees_consos_horaires", {}, 404, "inconnue"),
    ("DELETE", "/droits_acces", {}, 405, "DELETE"),
    ("PATCH", "/droit_acces/DA00000001", {"json": {"etat_droit_acces": "Révoquée"}}, 400, "aucun corps"),
    ("PUT", f"/pce/{NEW_PCE}/droit_acces", {"json": {"code_postal": "69003"}}, 400, "manquant"),
])
def test_requests_outside_the_specification_are_refused(adict, client, method, path, kwargs, status, words):
    got = httpx.request(method, client.api_url + path, headers=_headers(client), **kwargs)
    assert got.status_code == status and words in got.text, got.text
    assert got.text.splitlines()[-1].startswith('{"code_statut_traitement":"')


def test_a_declaration_naming_two_holders_is_refused(adict, client):
    body = _fields(adict).to_adict() | {"nom_titulaire": "DUPONT"}
    got = httpx.put(client.api_url + f"/pce/{NEW_PCE}/droit_acces", json=body, headers=_headers(client))
    assert got.status_code == 400 and "un seul titulaire" in got.text
    assert adict.state.rights_of("collecte-demo", NEW_PCE) == []
    with pytest.raises(ValidationError, match="not both"):
        _fields(adict, nom_titulaire="DUPONT")
    for extra in ({"perim_donnees_inj_debut": "2026-01-01"}, {"autre": "x"}):
        got = httpx.put(client.api_url + f"/pce/{NEW_PCE}/droit_acces", json=_fields(adict).to_adict() | extra,
                        headers=_headers(client))
        assert got.status_code == 400, extra


def test_the_models_refuse_the_old_wrong_shapes():
    flat = {"id_pce": T2, "date_debut_consommation": "2026-10-01", "date_fin_consommation": "2026-10-02",
            "volume_brut": 3, "energie": 34, "statut_conso": "Définitive"}
    with pytest.raises(ValidationError):
        InformativeRecord.model_validate(flat)
    old_contract = (b'{"id_pce":"21100000000001","donnees_contractuelles":{"car":85000,"profil_type":"P013",'
                    b'"option_tarifaire":"T2"}}\n')
    with pytest.raises(ValidationError):
        check_answer("GET", f"/adict/v2/pce/{T2}/donnees_contractuelles", 200, "application/x-ndjson",
                     old_contract, TOKEN_PATH)
    with pytest.raises(ValueError, match="unpack"):  # a status line after contract data: not the real shape
        check_answer("GET", f"/adict/v2/pce/{T2}/donnees_contractuelles", 200, "application/x-ndjson",
                     old_contract + b'{"code_statut_traitement":"0000000000","message_retour_traitement":"ok"}\n',
                     TOKEN_PATH)


def test_listing_lines_structure_into_the_reference_client_models(adict, client):
    """Oracle: lowatt-grdf's `Access` model (cattrs, "Vrai"/"Faux" hooks, id_pce renamed) reads
    every access-right line the sandbox lists, and its `is_active` agrees with the connector."""
    models = pytest.importorskip("lowatt_grdf.models")
    from collecte.sources.grdf.access_rights import AccessRight

    lines = client.list_rights().records
    assert len(lines) == 5
    for line in lines:
        access = models.converter.structure(line, models.Access)
        mine = AccessRight.from_adict(line)
        assert access.pce == mine.pce and access.etat_droit_acces == mine.state
        assert access.is_active(log=False) == (mine.refusal("consumption") is None)


@pytest.mark.parametrize("holder", [{"raison_sociale": "MAIRIE"}, {"raison_sociale": None, "nom_titulaire": "DUPONT"}])
def test_declaration_body_matches_the_reference_client(adict, holder):
    """Oracle: the body the connector sends is the body lowatt-grdf's DeclareAccess sends."""
    models = pytest.importorskip("lowatt_grdf.models")
    fields = _fields(adict, **holder)
    body = fields.to_adict()
    reference = models.DeclareAccess(
        pce=NEW_PCE, **{k: (v == "Vrai" if v in ("Vrai", "Faux") else v) for k, v in body.items()})
    expected = {k: v for k, v in models.converter.unstructure(reference).items() if v is not None}
    assert body == expected


def test_revocation_is_recorded(adict, client, conn):
    today = adict.state.today()
    right = adict.state.seed_right("collecte-demo", NEW_PCE, "Active",
                                   perim_donnees_conso_debut=(today - timedelta(days=30)).isoformat())
    outcome = revoke_access_right(client, NEW_PCE, conn=conn, reason="mandate expired", mandate_id="M-42")
    assert (outcome.outcome, outcome.right_id, outcome.state_before, outcome.state_after) == \
        ("revoked", right.id, "Active", "Révoquée")
    assert adict.state.rights[right.id].changes["source_revocation"] == "TIERS"
    patches = [c for c in adict.state.calls if c[2] == f"/adict/v2/droit_acces/{right.id}"]
    assert len(patches) == 1
    again = revoke_access_right(client, NEW_PCE, conn=conn, reason="mandate expired", mandate_id="M-42")
    assert again.outcome == "nothing_to_revoke"
    rows = conn.execute("SELECT right_id, mandate_id, reason, outcome, state_before, state_after"
                        " FROM gas_access_right_revocation ORDER BY id").fetchall()
    assert rows == [(right.id, "M-42", "mandate expired", "revoked", "Active", "Révoquée"),
                    (right.id, "M-42", "mandate expired", "nothing_to_revoke", "Révoquée", "Révoquée")]
    assert conn.execute("SELECT state FROM gas_access_right WHERE id = %s", (right.id,)).fetchone() == ("Révoquée",)


def test_revocation_failure_is_recorded_and_transient_raised(adict, client, conn):
    from collecte.sources.grdf.errors import TransientError

    adict.state.seed_right("collecte-demo", NEW_PCE, "Active")
    adict.state.inject("500", 20)
    with pytest.raises(TransientError):
        revoke_access_right(client, NEW_PCE, conn=conn)
    assert conn.execute("SELECT outcome FROM gas_access_right_revocation").fetchall() == [("failed",)]


def test_token_comes_from_the_openid_host_only(adict, client):
    assert adict.token_port and adict.token_port != adict.port
    form = {"grant_type": "client_credentials", "client_id": "collecte-demo",
            "client_secret": "collecte-demo-secret", "scope": "/adict/v2"}
    on_api_host = httpx.post(f"{adict.base_url}{TOKEN_PATH}", data=form)
    assert on_api_host.status_code == 404
    assert httpx.post(adict.token_url, data=form).status_code == 200
    assert httpx.get(adict.token_url.replace(TOKEN_PATH, f"/adict/v2/pce/{T2}/donnees_techniques"),
                     headers=_headers(client)).status_code == 404
