"""The telereleve DAG end to end with dag.test(): gate -> SGE orders -> M023 files by SFTP -> GX -> warehouse;
and stop_operator_access after a revocation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from collecte.warehouse.db import connect
from sandbox.enedis import meters, start_enedis
from sandbox.grdf import start_grdf
from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(300)]
REPO = Path(__file__).resolve().parents[3]
PRMS = [meters.NORMAL, meters.CURVE_NOT_ACTIVATED]
REFUSED = meters.CONSENT_REVOKED  # signed mandate here, refused by Enedis (SGT4G2)


@pytest.fixture
def operators(airflow_home, tmp_path, monkeypatch):
    """SGE and ADICT sandboxes, their connections, a config whose M023 folder is this test's SFTP folder."""
    from collecte.sources.enedis.config import _load

    remote = f"t{tmp_path.name[-8:]}/enedis/m023"
    config = tmp_path / "config"
    shutil.copytree(REPO / "include" / "config", config)
    operator = (config / "operators" / "enedis.yaml").read_text()
    (config / "operators" / "enedis.yaml").write_text(operator.replace(
        "m023_remote_dir: enedis/m023", f"m023_remote_dir: {remote}\nm023_min_age_seconds: 0"))
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(config))
    _load.cache_clear()
    enedis = start_enedis(0, airflow_home.sftp_root / remote, m023_delay_seconds=0.2)
    grdf = start_grdf(0)
    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_SGE", json.dumps({
        "conn_type": "http", "host": enedis.base_url, "login": "collecte@example.fr",
        "extra": {"contrat_id": "0000000", "timeout": 20}}))
    monkeypatch.setenv("AIRFLOW_CONN_GRDF_ADICT", json.dumps({
        "conn_type": "http", "host": grdf.api_url, "login": DEMO_CLIENT_ID, "password": DEMO_CLIENT_SECRET,
        "extra": grdf.connection_extra()}))
    yield enedis, grdf
    enedis.stop()
    grdf.stop()
    _load.cache_clear()


def test_telereleve_then_revocation_stops_the_services(airflow_home, operators):
    from collecte.consent.demo import seed_demo
    from collecte.consent.mandates import revoke
    from collecte.dags.enedis_telereleve import build_access_stop, build_telereleve
    from collecte.landing.raw_zone import RawZone
    from tests.conftest import run_dag

    enedis, _ = operators
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, RawZone(airflow_home.s3, airflow_home.bucket))
    dag_run = run_dag(build_telereleve(), run_conf={"meters": [*PRMS, REFUSED], "history_days": 10})
    assert dag_run.state == "success"  # the refused point is flagged, the others go on to their M023 files
    with connect(airflow_home.pg_url) as conn:
        orders = conn.execute("SELECT meter_id, order_kind, status FROM sge_order ORDER BY 1, 2").fetchall()
        curve = dict(conn.execute("SELECT meter_id, count(*) FROM load_curve GROUP BY 1").fetchall())
        billing = dict(conn.execute("SELECT meter_id, count(*) FROM billing_energy GROUP BY 1").fetchall())
        checked = conn.execute("SELECT count(*) FROM validation_result WHERE dataset = 'load_curve'").fetchone()[0]
        refused = conn.execute("SELECT status, message FROM meter_status WHERE operator = 'enedis'"
                               " AND meter_id = %s AND data_kind = 'telereleve'", (REFUSED,)).fetchone()
        mandate = conn.execute("SELECT mandate_id FROM mandate_scope WHERE source = 'enedis' AND target_id = %s",
                               (meters.NORMAL,)).fetchone()[0]
    for prm in PRMS:
        assert (prm, "ACTIVATION_COURBE", "ACTIVE") in orders and (prm, "M023", "DELIVERED") in orders
        assert (prm, "M023_FACT", "DELIVERED") in orders and billing.get(prm, 0) > 0  # billing measures (R67)
    assert curve[meters.NORMAL] >= 9 * 46  # ten days of history, the last one still to come
    assert meters.CURVE_NOT_ACTIVATED not in curve  # no curve recorded before its activation today
    assert checked >= 1
    assert refused[0] == "NO_CONSENT" and refused[1].startswith("SGE SGT4G2")
    assert REFUSED not in {o[0] for o in orders} and REFUSED not in curve

    # a year on (simulated): the subscriptions end in 10 days; the next run renews them, not past the mandate
    from datetime import datetime, timedelta

    from collecte.consent.mandates import mandate_for_meter
    from collecte.dags.interval import PARIS

    today = datetime.now(PARIS).date()
    soon = today + timedelta(days=10)
    with connect(airflow_home.pg_url, autocommit=True) as conn:
        conn.execute("UPDATE sge_order SET last_day = %s WHERE meter_id = %s AND status = 'ACTIVE'"
                     " AND order_kind IN ('ACTIVATION_COURBE', 'SOUSCRIPTION_INDEX')", (soon, meters.NORMAL))
        mandate_end = mandate_for_meter(conn, "enedis", meters.NORMAL, today).end_date
    for service in enedis.state.services[meters.NORMAL]:
        service["dateFin"] = soon
    renew_run = run_dag(build_telereleve(), run_conf={"meters": [meters.NORMAL], "history_days": 10})
    assert renew_run.state == "success"
    with connect(airflow_home.pg_url) as conn:
        subscriptions = conn.execute("SELECT status, last_day FROM sge_order WHERE meter_id = %s"
                                     " AND order_kind IN ('ACTIVATION_COURBE', 'SOUSCRIPTION_INDEX') ORDER BY 1, 2",
                                     (meters.NORMAL,)).fetchall()
    expected_last = min(today + timedelta(days=365), mandate_end) if mandate_end else today + timedelta(days=365)
    if expected_last > soon:
        assert subscriptions == [("ACTIVE", expected_last)] * 2 + [("RENEWED", soon)] * 2
        assert {s["dateFin"] for s in enedis.state.services[meters.NORMAL]} == {expected_last}
    else:  # the mandate ends first: left to run to its end
        assert subscriptions == [("ACTIVE", soon)] * 2

    with connect(airflow_home.pg_url, autocommit=True) as conn:
        revoke(conn, mandate, actor="test", reason="end of contract")
    stop_run = run_dag(build_access_stop())
    assert stop_run.state == "success"
    with connect(airflow_home.pg_url) as conn:
        outcome = conn.execute("SELECT status, detail FROM operator_access_stop WHERE operator = 'enedis'"
                               " AND meter_id = %s", (meters.NORMAL,)).fetchone()
    assert outcome == ("stopped", "stopped 2 SGE subscribed service(s)")
    assert {s["etatCode"] for s in enedis.state.services[meters.NORMAL]} == {"TERMINE"}
