"""The sandbox's R50/R151 delivery: XML valid against models written from the REAL sge-tiers files (not the
parser), values equal to the sandbox's meters, encrypted ZIPs, numbered files, scenario knobs."""

from __future__ import annotations

import io
import os
import subprocess
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from sandbox.enedis import measures, meters
from sandbox.enedis.flows import OTHER_AES_KEY, SANDBOX_AES_IV, SANDBOX_AES_KEY, FlowDelivery
from sandbox.enedis.meters import profile
from sandbox.enedis.state import SandboxState

MODEL = Path(__file__).resolve().parents[2] / "fixtures" / "sge" / "flows_model"
# a git clone (or bare mirror) of github.com/consometers/sge-tiers, where the real anonymised files are
REAL = os.environ.get("COLLECTE_SGE_TIERS_REPO")


def _schema(flow: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(MODEL / f"{flow}.xsd")))


def _decrypt(content: bytes, key: str = SANDBOX_AES_KEY) -> bytes:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(bytes.fromhex(key)), modes.CBC(bytes.fromhex(SANDBOX_AES_IV))).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(decryptor.update(content) + decryptor.finalize()) + unpadder.finalize()


def _xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(_decrypt(path.read_bytes()))) as zipped:
        (member,) = zipped.namelist()
        assert member == path.name.replace(".zip", ".xml")
        return etree.fromstring(zipped.read(member))


def _subscribe(state: SandboxState, prm: str, kind: str, service_id: str, first: date, step: str | None = None):
    state.services[prm].append({"serviceSouscritId": service_id, "mesuresTypeCode": kind, "etatCode": "ACTIF",
                                "recurring": True, "dateDebut": first, "dateFin": first + timedelta(days=365),
                                "mesuresPas": step, "prestation": "F300C", "libelle": ""})


@pytest.mark.parametrize("flow", ["R50", "R151"])
def test_models_accept_the_real_files(flow):
    """The models are the real files' shape: they accept the real anonymised files (when the mirror is here)."""
    sub = "C5-CDC" if flow == "R50" else "C5-IDX"
    if not REAL:
        pytest.skip("COLLECTE_SGE_TIERS_REPO (a clone of consometers/sge-tiers) is not set")
    try:
        real = subprocess.run(["git", "-C", REAL, "show", f"HEAD:CommandeCollectePublicationMesures/{sub}/{flow}.xml"],
                              capture_output=True, check=True, timeout=30).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"COLLECTE_SGE_TIERS_REPO={REAL} holds no sge-tiers history")
    schema = _schema(flow)
    assert schema.validate(etree.fromstring(real)), schema.error_log


def test_delivered_files_are_valid_numbered_encrypted_zips_with_the_meters_values(tmp_path):
    state = SandboxState(today=date(2026, 10, 28))  # 2026-10-25: the autumn change, 50 half-hours
    state.flows = FlowDelivery(tmp_path)
    _subscribe(state, meters.NORMAL, "CDC", "64697001", date(2026, 10, 24), "PT30M")
    _subscribe(state, meters.NORMAL, "IDX", "64697002", date(2026, 10, 24))
    _subscribe(state, meters.STEP_CHANGE, "CDC", "64697003", date(2026, 10, 27), "PT10M")
    names = state.flows.deliver(state)
    assert sorted(names) == sorted([
        *(f"ENEDIS_R50_64697001_{meters.NORMAL}_{n:05d}_202610{d}.zip" for n, d in ((1, 24), (2, 25), (3, 26), (4, 27))),
        *(f"ENEDIS_R151_64697002_{meters.NORMAL}_{n:05d}_202610{d}.zip" for n, d in ((1, 24), (2, 25), (3, 26), (4, 27))),
        f"ENEDIS_R50_64697003_{meters.STEP_CHANGE}_00001_20261027.zip"])
    assert state.flows.deliver(state) == []  # each day once
    assert not list(tmp_path.glob(".*"))  # no temporary file left

    normal = profile(meters.NORMAL)
    curve = _xml(tmp_path / f"ENEDIS_R50_64697001_{meters.NORMAL}_00002_20261025.zip")
    assert _schema("R50").validate(curve), _schema("R50").error_log
    points = measures.day_curve(normal, date(2026, 10, 25), 30)
    assert [(p.findtext("H"), int(p.findtext("V"))) for p in curve.iterfind("PRM/Donnees_Releve/PDC")] == [
        (p.end.astimezone(measures.PARIS).isoformat(), p.power_w) for p in points]
    assert len(points) == 50 and curve.findtext("En_Tete_Flux/Numero_Abonnement") == "64697001"
    ten = _xml(tmp_path / f"ENEDIS_R50_64697003_{meters.STEP_CHANGE}_00001_20261027.zip")
    assert _schema("R50").validate(ten) and ten.findtext("En_Tete_Flux/Pas_Publication") == "10"
    assert len(ten.findall("PRM/Donnees_Releve/PDC")) == 144

    index = _xml(tmp_path / f"ENEDIS_R151_64697002_{meters.NORMAL}_00003_20261026.zip")
    assert _schema("R151").validate(index), _schema("R151").error_log
    registers = [(c.findtext("Id_Classe_Temporelle"), int(c.findtext("Valeur")))
                 for c in index.iterfind("PRM/Donnees_Releve/Classe_Temporelle_Distributeur")]
    assert registers == list(measures.index_at(normal, date(2026, 10, 26)))
    assert int(index.findtext("PRM/Donnees_Releve/Puissance_Maximale/Valeur")) == \
        measures.day_max_power(normal, date(2026, 10, 26))[0]


def test_no_curve_file_before_activation_and_none_for_c4_or_producers(tmp_path):
    state = SandboxState(today=date(2026, 11, 5))
    state.flows = FlowDelivery(tmp_path, backfill_days=3)
    state.curve_activated[meters.CURVE_NOT_ACTIVATED] = date(2026, 11, 3)
    for prm in (meters.CURVE_NOT_ACTIVATED, meters.PRODUCER, "30001234567896"):  # C4
        _subscribe(state, prm, "CDC", "1" + prm[-4:], date(2026, 11, 3), "PT30M")
    names = state.flows.deliver(state)
    assert names == [f"ENEDIS_R50_17892_{meters.CURVE_NOT_ACTIVATED}_{n:05d}_2026110{d}.zip"
                     for n, d in ((1, 3), (2, 4))]


def test_knobs_skip_then_late_wrong_key_truncated(tmp_path):
    state = SandboxState(today=date(2026, 11, 6))
    state.flows = FlowDelivery(tmp_path, skip={("R151", 2)}, wrong_key={("R151", 3)}, truncate={("R151", 4)})
    _subscribe(state, meters.NORMAL, "IDX", "7", date(2026, 11, 1))
    names = state.flows.deliver(state)
    assert [n.split("_")[4] for n in names] == ["00001", "00003", "00004", "00005"]
    wrong = (tmp_path / names[1]).read_bytes()
    with pytest.raises(ValueError):
        _decrypt(wrong)
    assert zipfile.is_zipfile(io.BytesIO(_decrypt(wrong, OTHER_AES_KEY)))
    assert len((tmp_path / names[2]).read_bytes()) % 16 != 0
    assert state.flows.release_withheld() == [f"ENEDIS_R151_7_{meters.NORMAL}_00002_20261102.zip"]
    assert _schema("R151").validate(_xml(tmp_path / f"ENEDIS_R151_7_{meters.NORMAL}_00002_20261102.zip"))
