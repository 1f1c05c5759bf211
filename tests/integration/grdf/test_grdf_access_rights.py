"""Access rights against the ADICT sandbox: declaration, holder's answer, states, revocation, proofs."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest

from collecte.sources.grdf import (
    MandateFields,
    RequestRejected,
    access_right_state,
    access_rights,
    collect_pce,
    declare_access_right,
    revoke_access_right,
    send_proofs,
)

pytestmark = [pytest.mark.timeout(60)]
NEW_PCE = "21100000000077"


def _fields(sandbox, **over) -> MandateFields:
    today = sandbox.state.today()
    values = dict(code_postal="69003", courriel_titulaire="energie@mairie.example", raison_sociale="Mairie",
                  date_debut_droit_acces=today, date_fin_droit_acces=today + timedelta(days=3 * 365),
                  perim_donnees_conso_debut=today - timedelta(days=365),
                  perim_donnees_conso_fin=today + timedelta(days=3 * 365))
    return MandateFields(**(values | over))


def _puts(sandbox) -> int:
    return sum(1 for _, _, path, _ in sandbox.state.calls if path.endswith("/droit_acces"))


def test_declaration_waits_for_the_holder_then_allows_collection(adict, client, raw_zone, conn):
    right = declare_access_right(client, NEW_PCE, _fields(adict))
    assert (right.state, right.proof_status) == ("A valider", "Preuve en attente")
    assert right.scope["perim_donnees_publiees"] is True

    again = declare_access_right(client, NEW_PCE, _fields(adict))
    assert again.id == right.id and _puts(adict) == 1, "an identical live right is not declared twice"

    today = adict.state.today()
    pending = collect_pce(client, NEW_PCE, today - timedelta(days=3), today, ["daily"], raw_zone, conn, today=today)
    assert pending.status == "NO_ACCESS_RIGHT" and "A valider" in pending.reason

    httpx.post(f"{adict.base_url}/sandbox/droit_acces/{right.id}/accepter").raise_for_status()
    assert access_right_state(client, NEW_PCE).state == "Active"
    done = collect_pce(client, NEW_PCE, today - timedelta(days=3), today, ["daily"], raw_zone, conn, today=today)
    assert done.status == "OK" and done.kinds["daily"].records == 3


def test_changed_fields_replace_the_live_right(adict, client):
    first = declare_access_right(client, NEW_PCE, _fields(adict))
    second = declare_access_right(client, NEW_PCE, _fields(adict, perim_donnees_techniques=False))
    assert second.id != first.id and second.scope["perim_donnees_techniques"] is False
    states = {r["id_droit_acces"]: r["etat_droit_acces"] for r in client.list_rights(pces=[NEW_PCE]).records}
    assert states == {first.id: "Obsolète", second.id: "A valider"}


@pytest.mark.parametrize(("body_change", "message"), [
    ({"code_postal": None}, "code_postal"),
    ({"raison_sociale": None}, "raison_sociale ou nom_titulaire"),
    ({"role_tiers": "VOISIN"}, "role_tiers"),
    ({"perim_donnees_publiees": "Oui"}, "perim_donnees_publiees"),
    ({"date_fin_droit_acces": "2020-01-01"}, "antérieure"),
])
def test_invalid_declaration_rejected_with_adict_message(adict, client, body_change, message):
    body = _fields(adict).to_adict() | body_change
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(RequestRejected, match=message) as info:
        client.declare(NEW_PCE, body)
    assert info.value.http_status == 400


def test_time_based_acceptance(adict, client):
    adict.state.acceptance_delay_s = 0.3
    right = declare_access_right(client, NEW_PCE, _fields(adict))
    assert right.state == "A valider"
    time.sleep(0.4)
    assert access_right_state(client, NEW_PCE).state == "Active"


def test_revocation_and_proofs(adict, client):
    right = declare_access_right(client, NEW_PCE, _fields(adict))
    with_proofs = send_proofs(client, right.id, [("mandat.pdf", b"%PDF-1.7 mandate", "application/pdf")])
    assert with_proofs.proof_status == "Preuve en cours de vérification"
    assert adict.state.rights[right.id].proofs == [{"nom": "mandat.pdf", "taille": 16}]
    with pytest.raises(RequestRejected, match="type de fichier"):
        client.upload_proofs(right.id, [("mandat.exe", b"MZ", "application/octet-stream")])

    revoked = revoke_access_right(client, NEW_PCE)
    assert (revoked.outcome, revoked.right_id, revoked.state_before, revoked.state_after) == \
        ("revoked", right.id, "A valider", "Révoquée")
    assert adict.state.rights[right.id].state == "Révoquée"
    again = revoke_access_right(client, NEW_PCE)
    assert again.outcome == "nothing_to_revoke" and "already Révoquée" in again.message
    with pytest.raises(RequestRejected, match="transition impossible") as info:
        client.revoke(right.id)
    assert info.value.http_status == 409


def test_listing_with_filters(adict, client):
    listed = access_rights(client, ["21100000000001", "21100000000003", "21100000000004", "21100000000099"])
    assert {pce: r.state for pce, r in listed.items()} == {
        "21100000000001": "Active", "21100000000003": "Révoquée", "21100000000004": "A valider"}
    active = client.list_rights(states=["Active"]).records
    assert sorted(r["id_pce"] for r in active) == ["21100000000001", "21100000000002", "GI000123"]
    token = client.token()
    # GET /droits_acces takes no filter: ADICT filters through POST only
    got = httpx.get(f"{adict.api_url}/droits_acces", params={"etat_droit_acces": "Révoquée"},
                    headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 400 and "etat_droit_acces" in got.text
    everything = client.list_rights().records
    assert len(everything) == 5


STATES = ["A valider", "Révoquée", "A revérifier", "Obsolète", "Refusée"]


@pytest.mark.parametrize("state", STATES)
def test_only_an_active_right_allows_collection(adict, client, raw_zone, conn, state):
    today = adict.state.today()
    over = {"date_fin_droit_acces": (today - timedelta(days=1)).isoformat()} if state == "Obsolète" else {}
    adict.state.seed_right("collecte-demo", NEW_PCE, "Active" if state == "Obsolète" else state, **over)
    summary = collect_pce(client, NEW_PCE, today - timedelta(days=5), today, ["consumption", "daily", "contract"],
                          raw_zone, conn, today=today)
    assert summary.status == "NO_ACCESS_RIGHT" and state in summary.reason
    assert raw_zone.keys("raw/") == []
    assert conn.execute("SELECT count(*) FROM gas_consumption").fetchone()[0] == 0
    statuses = conn.execute("SELECT data_kind, status FROM meter_status WHERE operator = 'grdf'"
                            " AND meter_id = %s ORDER BY 1", (NEW_PCE,)).fetchall()
    assert statuses == [("consumption", "NO_CONSENT"), ("contract", "NO_CONSENT"), ("daily", "NO_CONSENT")]
    assert conn.execute("SELECT state FROM gas_access_right WHERE pce = %s", (NEW_PCE,)).fetchone()[0] == state


def test_scope_decides_kind_by_kind(adict, client, raw_zone, conn):
    today = adict.state.today()
    adict.state.seed_right("collecte-demo", NEW_PCE, "Active", perim_donnees_informatives="Faux",
                           perim_donnees_conso_debut=(today - timedelta(days=20)).isoformat())
    summary = collect_pce(client, NEW_PCE, today - timedelta(days=60), today, ["consumption", "daily"],
                          raw_zone, conn, today=today)
    assert summary.status == "OK"
    assert summary.kinds["daily"].status == "OUT_OF_SCOPE"
    assert "excludes daily" in summary.kinds["daily"].reason
    assert summary.kinds["consumption"].status == "OK"
    assert not any(path.endswith("donnees_consos_informatives") for _, _, path, _ in adict.state.calls)
    # consumption asked only from the right's perimeter start on (clipped, not refused)
    (key,) = summary.kinds["consumption"].raw_keys
    assert f"date_debut={(today - timedelta(days=20)).isoformat()}" in raw_zone.metadata(key)["origin"]


def test_stale_active_view_is_caught_by_adict(adict, client, raw_zone, conn):
    """The batch listed the right as Active, then it was revoked: ADICT's 403 flags the PCE."""
    today = adict.state.today()
    listed = access_right_state(client, "21100000000001")
    adict.state.set_state(listed.id, "Révoquée")
    summary = collect_pce(client, "21100000000001", today - timedelta(days=5), today, ["daily", "contract"],
                          raw_zone, conn, access_right=listed, today=today)
    assert summary.status == "NO_ACCESS_RIGHT" and "Révoquée" in summary.reason
    assert conn.execute("SELECT count(*) FROM gas_consumption").fetchone()[0] == 0
