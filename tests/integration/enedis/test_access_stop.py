"""Revocation and expiry of a mandate stop SGE recurring transmission and revoke GRDF access rights."""

from datetime import timedelta

import pytest

from collecte.consent.access_stop import open_stops, run_stops
from collecte.consent.mandates import expire_mandates, revoke
from collecte.retry import RetryPolicy
from collecte.sources.enedis.sge import Consent, SgeClient
from collecte.sources.enedis.telereleve import activate_meter
from collecte.warehouse.db import connect
from sandbox.grdf import start_grdf
from tests.integration.enedis.conftest import TODAY
from tests.integration.grdf.conftest import make_client

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
PRM, PCE = "30001234567890", "21100000000001"  # siège Paris: its mandate covers both


@pytest.fixture
def grdf():
    server = start_grdf(0)
    yield server
    server.stop()


@pytest.fixture
def mandate(pg_url, raw_zone):
    from collecte.consent.demo import seed_demo

    with connect(pg_url) as conn:
        seed_demo(conn, raw_zone, today=TODAY, with_config=False)
        conn.commit()
        return conn.execute("SELECT mandate_id FROM mandate_scope WHERE target_type = 'meter' AND source = 'enedis'"
                            " AND target_id = %s", (PRM,)).fetchone()[0]


def _rows(conn):
    return conn.execute("SELECT operator, meter_id, reason, status, detail, attempts FROM operator_access_stop"
                        " WHERE meter_id = ANY(%s) ORDER BY operator", ([PRM, PCE],)).fetchall()


def test_revocation_stops_sge_services_and_revokes_the_grdf_right(enedis, grdf, pg_url, mandate):
    from collecte.sources.grdf.access_rights import access_right_state

    with connect(pg_url, autocommit=True) as conn, SgeClient(enedis.base_url) as sge, make_client(grdf) as adict:
        activate_meter(sge, conn, PRM, Consent(company="Demo Énergie"), today=TODAY)
        assert {s["etatCode"] for s in sge.services(PRM)} == {"ACTIF"}
        revoke(conn, mandate, actor="test", reason="customer left")
        queued = open_stops(conn)
        assert {(op, m) for _, op, m, _ in queued} >= {("enedis", PRM), ("grdf", PCE)}
        planned = run_stops(conn, today=TODAY, sge=sge, adict=adict, dry_run=True)
        assert {o.status for o in planned} == {"planned"}
        assert {s["etatCode"] for s in sge.services(PRM)} == {"ACTIF"}  # the dry run changed nothing
        outcomes = run_stops(conn, today=TODAY, sge=sge, adict=adict)
        services = sge.services(PRM)
        right = access_right_state(adict, PCE)
        rows = _rows(conn)
        orders = conn.execute("SELECT DISTINCT status FROM sge_order WHERE meter_id = %s", (PRM,)).fetchall()
        assert run_stops(conn, today=TODAY, sge=sge, adict=adict) == []  # done once, not again
    assert {s["etatCode"] for s in services} == {"TERMINE"}
    assert right.state != "Active"
    assert ("enedis", PRM, "revoked", "stopped", "stopped 2 SGE subscribed service(s)", 1) in rows
    assert any(r[0] == "grdf" and r[3] == "stopped" for r in rows)
    assert orders == [("STOPPED",)]
    assert all(o.status in ("stopped", "nothing_to_stop") for o in outcomes)


def test_expiry_queues_the_stop_and_an_operator_failure_is_recorded_and_retried(enedis, pg_url, mandate):
    with connect(pg_url, autocommit=True) as conn, SgeClient(enedis.base_url) as sge:
        activate_meter(sge, conn, PRM, Consent(company="Demo Énergie"), today=TODAY)
        conn.execute("UPDATE mandate SET end_date = %s WHERE id = %s", (TODAY - timedelta(days=1), mandate))
        assert mandate in expire_mandates(conn, TODAY)
        conn.execute("DELETE FROM operator_access_stop WHERE operator <> 'enedis' OR meter_id <> %s", (PRM,))
        with SgeClient("http://127.0.0.1:9", policy=RetryPolicy(attempts=2, backoff=0.01)) as down:  # refused
            failed = run_stops(conn, today=TODAY, sge=down)
        assert [o.status for o in failed] == ["failed"] and "Transient" in failed[0].detail
        assert _rows(conn)[0][3:] == ("failed", failed[0].detail, 1)
        done = run_stops(conn, today=TODAY, sge=sge)
        assert [o.status for o in done] == ["stopped"]
        assert _rows(conn)[0][2:4] == ("expired", "stopped")
        assert {s["etatCode"] for s in sge.services(PRM)} == {"TERMINE"}


def test_a_meter_still_covered_by_another_mandate_is_kept(enedis, pg_url, mandate):
    with connect(pg_url, autocommit=True) as conn, SgeClient(enedis.base_url) as sge:
        conn.execute("INSERT INTO mandate SELECT (jsonb_populate_record(NULL::mandate, to_jsonb(m)"
                     " || '{\"id\": \"second\"}'::jsonb)).* FROM mandate m WHERE id = %s", (mandate,))
        conn.execute("INSERT INTO mandate_scope SELECT 'second', target_type, source, target_id FROM mandate_scope"
                     " WHERE mandate_id = %s", (mandate,))
        revoke(conn, mandate, actor="test")
        outcomes = {o.meter_id: o for o in run_stops(conn, today=TODAY, sge=sge)}
    assert outcomes[PRM].status == "kept" and "second" in outcomes[PRM].detail
