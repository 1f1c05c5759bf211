"""collect_sge_flows end to end with dag.test(): SGE subscription (sandbox) -> R50/R151 archives delivered on the
real sshd -> landed unchanged (moto S3) -> decrypted, checked (GX), loaded (PostgreSQL); a wrong-key archive
quarantined while the others load, a skipped sequence number turns the run red, a late file closes the gap,
a rerun changes nothing."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from collecte.warehouse.db import connect
from sandbox.enedis import meters, start_enedis
from sandbox.enedis.flows import SANDBOX_AES_IV, SANDBOX_AES_KEY

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(600)]
REPO = Path(__file__).resolve().parents[3]
PRM = meters.NORMAL
NO_MANDATE = "30001234560000"  # subscribed at Enedis, but no signed mandate here: its files stay on the server
MODEL = REPO / "tests" / "fixtures" / "sge" / "flows_model"


@pytest.fixture
def flows(airflow_home, tmp_path, monkeypatch):
    """The Enedis sandbox delivering flows into this test's SFTP folder; config and connection for it."""
    from collecte.sources.enedis.config import _load

    remote = f"t{tmp_path.name[-8:]}/enedis/flows"
    config = tmp_path / "config"
    shutil.copytree(REPO / "include" / "config", config)
    operator = config / "operators" / "enedis.yaml"
    operator.write_text(operator.read_text().replace("flows_remote_dir: enedis/flows", f"flows_remote_dir: {remote}")
                        .replace("flows_gap_grace_hours: 24", "flows_gap_grace_hours: 0")
                        + "flows_min_age_seconds: 0\n")
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(config))
    monkeypatch.setenv("COLLECTE_RETRY_DELAY_SECONDS", "1")
    _load.cache_clear()
    assert (_load(str(operator)).flows_remote_dir, _load(str(operator)).flows_gap_grace_hours) == (remote, 0)
    enedis = start_enedis(0, None, flows_dir=airflow_home.sftp_root / remote)
    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_SGE", json.dumps({
        "conn_type": "http", "host": enedis.base_url, "login": "collecte@example.fr",
        "extra": {"contrat_id": "0000000", "timeout": 20, "flows_aes_key": SANDBOX_AES_KEY,
                  "flows_aes_iv": SANDBOX_AES_IV}}))
    yield enedis, airflow_home.sftp_root / remote
    enedis.stop()
    _load.cache_clear()


def _subscribe(enedis, prm: str, first: date) -> dict[str, str]:
    from collecte.sources.enedis.sge import Consent, SgeClient

    consent = Consent(company="Frigo Lambert SAS")
    with SgeClient(base_url=enedis.base_url, login="collecte@example.fr", contract_id="0000000") as sge:
        return {kind: sge.subscribe(prm, kind=kind, first=first, last=first + timedelta(days=300), consent=consent,
                                    step="PT30M" if kind == "CDC" else None)["serviceSouscritId"]
                for kind in ("CDC", "IDX")}


def _delivered(folder: Path, name: str) -> etree._Element:
    """The XML inside a delivered archive, decrypted here with the test's own code, checked against the model."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    copies = [p for p in (folder / name, *(folder / "processed").glob(name + "*")) if p.exists()]
    path = max(copies, key=lambda p: p.stat().st_mtime_ns)  # a file sent again: its latest copy
    decryptor = Cipher(algorithms.AES(bytes.fromhex(SANDBOX_AES_KEY)), modes.CBC(bytes.fromhex(SANDBOX_AES_IV))
                       ).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = decryptor.update(path.read_bytes()) + decryptor.finalize()
    with zipfile.ZipFile(io.BytesIO(unpadder.update(plain) + unpadder.finalize())) as zipped:
        root = etree.fromstring(zipped.read(zipped.namelist()[0]))
    schema = etree.XMLSchema(etree.parse(str(MODEL / f"{root.tag}.xsd")))
    assert schema.validate(root), schema.error_log
    return root


def _truth(folder: Path, names: list[str]) -> tuple[dict, dict, dict]:
    curve, index, power = {}, {}, {}
    for name in names:
        root = _delivered(folder, name)
        for reading in root.iterfind("PRM/Donnees_Releve"):
            if root.tag == "R50":
                for point in reading.iterfind("PDC"):
                    curve[datetime.fromisoformat(point.findtext("H")).astimezone(UTC)] = int(point.findtext("V"))
            else:
                day = date.fromisoformat(reading.findtext("Date_Releve"))
                for klass in reading.iterfind("Classe_Temporelle_Distributeur"):
                    index[(day, klass.findtext("Id_Classe_Temporelle"))] = int(klass.findtext("Valeur"))
                power[day] = int(reading.findtext("Puissance_Maximale/Valeur"))
    return curve, index, power


def _warehouse(pg_url: str) -> tuple[dict, dict, dict, list]:
    from collecte.dags.interval import PARIS

    with connect(pg_url) as conn:
        curve = dict(conn.execute("SELECT interval_end, power_w FROM load_curve WHERE meter_id = %s", (PRM,)))
        index = {((at.astimezone(PARIS)).date(), cls): wh for at, cls, wh in conn.execute(
            "SELECT reading_at, time_class, index_wh FROM meter_index WHERE meter_id = %s", (PRM,))}
        power = dict(conn.execute("SELECT day, max_power_va FROM max_power WHERE meter_id = %s", (PRM,)))
        quarantined = conn.execute("SELECT raw_key, dataset, reason, status FROM quarantine_record ORDER BY 1"
                                   ).fetchall()
    return curve, index, power, quarantined


def _task_states(dag_run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def test_flows_land_load_quarantine_gap_late_file_and_rerun(airflow_home, flows):
    from collecte.consent.demo import seed_demo
    from collecte.dags.sge_flows import build_sge_flows, flow_problems
    from collecte.landing.raw_zone import RawZone
    from collecte.sources.enedis.config import load_enedis
    from tests.conftest import run_dag

    enedis, folder = flows
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket))
    today = enedis.state.today
    services = _subscribe(enedis, PRM, today - timedelta(days=4))
    _subscribe(enedis, NO_MANDATE, today - timedelta(days=2))
    enedis.state.flows.skip = {("R50", 3)}
    enedis.state.flows.wrong_key = {("R151", 2)}
    delivered = enedis.state.flows.deliver(enedis.state)
    mine = [n for n in delivered if f"_{PRM}_" in n]
    assert len(mine) == 7 and len(delivered) == 11  # R50 #3 withheld; 2 days x 2 flows for the other PRM
    wrong = next(n for n in mine if "_R151_" in n and "_00002_" in n)

    # 1. the good archives load, the wrong-key one is quarantined naming the file, the gap R50 #3 is red
    first = run_dag(build_sge_flows())
    assert first.state == "failed"
    assert _task_states(first) == {"land_flows": "success", "load_flows": "success", "verify_flows": "failed"}
    curve, index, power, quarantined = _warehouse(airflow_home.pg_url)
    truth = _truth(folder, [n for n in mine if n != wrong])
    assert (curve, index, power) == truth
    assert len(curve) >= 3 * 46  # three days of half-hours (46 to 50 a day)
    assert len(index) == 3 * 2 and len(power) == 3
    assert sorted((q[1], q[3]) for q in quarantined) == [("max_power", "quarantined"), ("meter_index", "quarantined")]
    assert wrong in quarantined[0][2] and "cannot be decrypted with the configured flows key" in quarantined[0][2]
    assert SANDBOX_AES_KEY not in quarantined[0][2]
    with connect(airflow_home.pg_url, autocommit=True) as conn:
        problems, _ = flow_problems(conn, load_enedis(), {"errors": [], "unmatched": []}, now=datetime.now(UTC))
        left = conn.execute("SELECT file_name, status FROM file_status WHERE file_name LIKE %s",
                            (f"%{NO_MANDATE}%",)).fetchall()
    assert f"R50 (stream {services['CDC']}) missing sequence number(s) 3" in problems
    assert any(p.startswith(f"quarantined {wrong}: ") for p in problems)
    assert len(left) == 4 and {s for _, s in left} == {"no_consent"}  # no mandate: left on the server
    assert sorted(p.name for p in folder.glob("*.zip")) == sorted(n for n in delivered if NO_MANDATE in n)
    assert sorted(p.name for p in (folder / "processed").iterdir()) == sorted(mine)

    # 2. a rerun changes nothing (same rows, same quarantine, still red)
    before = _warehouse(airflow_home.pg_url)
    again = run_dag(build_sge_flows())
    assert again.state == "failed" and _warehouse(airflow_home.pg_url) == before

    # 3. Enedis sends the missing file late and re-sends the bad one with the right key: green, all in
    enedis.state.flows.wrong_key = set()
    enedis.state.flows.resend(wrong)
    (late,) = enedis.state.flows.release_withheld()
    third = run_dag(build_sge_flows())
    assert third.state == "success", _task_states(third)
    curve, index, power, _ = _warehouse(airflow_home.pg_url)
    assert (curve, index, power) == _truth(folder, [*mine, late])
    assert len(power) == 4 and len(index) == 8
    with connect(airflow_home.pg_url) as conn:
        row = conn.execute("SELECT status, missing_since IS NOT NULL, late_reported_at IS NOT NULL, file_name"
                           " FROM sge_flow_sequence WHERE flow = 'R50' AND sequence_number = 3").fetchone()
    assert row == ("received", True, True, late)  # found missing, arrived, reported late once

    # 4. and a rerun changes nothing again
    settled = _warehouse(airflow_home.pg_url)
    assert run_dag(build_sge_flows()).state == "success"
    assert _warehouse(airflow_home.pg_url) == settled

    # 5. a meter subscribed (telereleve's sge_order) ten days ago that no curve file came for is named
    with connect(airflow_home.pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO sge_order (affaire_id, meter_id, order_kind, first_day, last_day, status) VALUES"
                     " ('A-silent', %s, 'ACTIVATION_COURBE', %s, %s, 'ACTIVE')",
                     (meters.GAPS, today - timedelta(days=10), today + timedelta(days=300)))
        problems, notices = flow_problems(conn, load_enedis(), {"errors": [], "unmatched": []}, now=datetime.now(UTC))
    assert problems == [f"no R50 file for PRM {meters.GAPS} in 3 days (subscribed since {today - timedelta(days=10)})"]
    assert notices == []


def test_a_wrong_flows_key_is_fixed_then_reprocess_quarantine_loads_the_archives(airflow_home, flows, monkeypatch):
    """The connection holds a wrong key: every archive is quarantined (its datasets named), the run is red; once
    the key is corrected, reprocess_quarantine with the `sge_flow` reparser loads them and the run is green."""
    from collecte.consent.demo import seed_demo
    from collecte.dags.quality import build_reprocess_quarantine
    from collecte.dags.sge_flows import build_sge_flows
    from collecte.landing.raw_zone import RawZone
    from tests.conftest import run_dag

    enedis, folder = flows
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket))
    _subscribe(enedis, PRM, enedis.state.today - timedelta(days=1))
    names = enedis.state.flows.deliver(enedis.state)
    assert len(names) == 2
    good = json.loads(os.environ["AIRFLOW_CONN_ENEDIS_SGE"])
    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_SGE", json.dumps({**good, "extra": {**good["extra"],
                                                                               "flows_aes_key": "11" * 16}}))
    assert run_dag(build_sge_flows()).state == "failed"
    *_, quarantined = _warehouse(airflow_home.pg_url)
    assert sorted(q[1] for q in quarantined) == ["load_curve", "max_power", "meter_index"]
    assert all("cannot be decrypted" in q[2] or "not a readable zip" in q[2] for q in quarantined)

    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_SGE", json.dumps(good))
    for raw_key in sorted({q[0] for q in quarantined}):
        replayed = run_dag(build_reprocess_quarantine(), run_conf={"raw_key": raw_key, "reparser": "sge_flow"})
        assert replayed.state == "success", raw_key
    curve, index, power, quarantined = _warehouse(airflow_home.pg_url)
    assert (curve, index, power) == _truth(folder, names) and len(power) == 1
    assert {q[3] for q in quarantined} == {"released"}
    assert run_dag(build_sge_flows()).state == "success"


@pytest.fixture
def demo_like(airflow_home, tmp_path, monkeypatch):
    """As make demo: telereleve subscribes through SGE, the sandbox delivers flows beside the M023 folder."""
    from collecte.sources.enedis.config import _load
    from sandbox.grdf import start_grdf
    from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    base = f"t{tmp_path.name[-8:]}/enedis"
    config = tmp_path / "config"
    shutil.copytree(REPO / "include" / "config", config)
    operator = config / "operators" / "enedis.yaml"
    operator.write_text(operator.read_text().replace("m023_remote_dir: enedis/m023", f"m023_remote_dir: {base}/m023")
                        .replace("flows_remote_dir: enedis/flows", f"flows_remote_dir: {base}/flows")
                        + "m023_min_age_seconds: 0\nflows_min_age_seconds: 0\n")
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(config))
    monkeypatch.setenv("COLLECTE_RETRY_DELAY_SECONDS", "1")
    _load.cache_clear()
    enedis = start_enedis(0, airflow_home.sftp_root / base / "m023", m023_delay_seconds=0.2,
                          flows_dir=airflow_home.sftp_root / base / "flows", flows_backfill_days=2)
    grdf = start_grdf(0)
    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_SGE", json.dumps({
        "conn_type": "http", "host": enedis.base_url, "login": "collecte@example.fr",
        "extra": {"contrat_id": "0000000", "timeout": 20, "flows_aes_key": SANDBOX_AES_KEY,
                  "flows_aes_iv": SANDBOX_AES_IV}}))
    monkeypatch.setenv("AIRFLOW_CONN_GRDF_ADICT", json.dumps({
        "conn_type": "http", "host": grdf.api_url, "login": DEMO_CLIENT_ID, "password": DEMO_CLIENT_SECRET,
        "extra": grdf.connection_extra()}))
    yield enedis
    enedis.stop()
    grdf.stop()
    _load.cache_clear()


def test_meters_telereleve_subscribes_get_their_flows_loaded(airflow_home, demo_like):
    """The demo's road: telereleve (SGE orders) -> the sandbox delivers R50/R151 -> collect_sge_flows green, for
    meters of every shape (HP/HC and base, meters recording 30/60/10-minute curves, curve activated only now,
    self-consumption, a C4)."""
    from collecte.consent.demo import seed_demo
    from collecte.dags.enedis_telereleve import build_telereleve
    from collecte.dags.sge_flows import build_sge_flows
    from collecte.landing.raw_zone import RawZone
    from tests.conftest import run_dag

    prms = [meters.NORMAL, meters.CURVE_NOT_ACTIVATED, meters.CURVE_60MIN, meters.STEP_CHANGE,
            meters.SELF_CONSUMPTION, meters.C4_10MIN]
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket))
    assert run_dag(build_telereleve(), run_conf={"meters": prms, "history_days": 2}).state == "success"
    delivered = demo_like.state.flows.deliver(demo_like.state)
    assert delivered
    run = run_dag(build_sge_flows())
    assert run.state == "success", _task_states(run)
    with connect(airflow_home.pg_url) as conn:
        curve = dict(conn.execute("SELECT meter_id, count(*) FROM load_curve WHERE raw_key LIKE %s GROUP BY 1",
                                  ("%kind=sge_r50%",)).fetchall())
        index = dict(conn.execute("SELECT meter_id, count(DISTINCT reading_at) FROM meter_index"
                                  " WHERE context = 'R151' GROUP BY 1").fetchall())
        steps = dict(conn.execute("SELECT meter_id, min(interval_minutes) FROM load_curve WHERE raw_key LIKE %s"
                                  " GROUP BY 1", ("%kind=sge_r50%",)).fetchall())
    consumers = [meters.NORMAL, meters.CURVE_NOT_ACTIVATED, meters.CURVE_60MIN, meters.STEP_CHANGE,
                 meters.SELF_CONSUMPTION]
    assert {p: index.get(p) for p in consumers} == dict.fromkeys(consumers, 2)  # two days back, each day once
    assert meters.C4_10MIN not in index and meters.C4_10MIN not in curve  # C4: other flows, not R50/R151
    assert meters.CURVE_NOT_ACTIVATED not in curve  # curve recorded from today on: no R50 yet
    # published at the step telereleve subscribed (PT30M for a C5, whatever the meter records)
    assert steps == dict.fromkeys([meters.NORMAL, meters.CURVE_60MIN, meters.STEP_CHANGE, meters.SELF_CONSUMPTION], 30)
    assert all(curve[p] >= 2 * 46 for p in steps)
