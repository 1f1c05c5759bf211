"""Télé-relève through the SGE sandbox: activation makes the curve appear, M023 files come by SFTP."""

import time
from datetime import date, timedelta

import paramiko
import pytest

from collecte.metering.ingest import ingest_raw
from collecte.sources.enedis.errors import SgeFault
from collecte.sources.enedis.sge import SgeClient
from collecte.sources.enedis.telereleve import (
    activate_meter,
    order_history,
    pending_history,
    pick_up,
    ready_files,
)
from collecte.warehouse.db import connect
from sandbox.enedis import meters, start_enedis
from tests.integration.enedis.conftest import TODAY

pytestmark = [pytest.mark.services, pytest.mark.timeout(90)]
CONSENT = {"declarationAccordClient": {"accord": True, "personneMorale": {"denominationSociale": "Ville de Lyon"}},
           "cadreAcces": "ACCORD_CLIENT"}


@pytest.fixture
def sftp(sshd_server):
    key = paramiko.Ed25519Key.from_private_key_file(str(sshd_server.client_key_file))
    transport = paramiko.Transport(("127.0.0.1", sshd_server.port))
    transport.connect(username=sshd_server.username, pkey=key)
    client = paramiko.SFTPClient.from_transport(transport)
    yield client
    client.close()
    transport.close()


def test_activation_turns_the_curve_on_from_that_day(enedis, fast_client, pg_url):
    from collecte.sources.enedis.errors import NoData

    curve = "courbe_de_charge_consommation"
    with pytest.raises(NoData):
        fast_client.measure(curve, meters.CURVE_NOT_ACTIVATED, TODAY - timedelta(days=2), TODAY)
    with SgeClient(enedis.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        placed = activate_meter(sge, conn, meters.CURVE_NOT_ACTIVATED, CONSENT, today=TODAY)
        assert activate_meter(sge, conn, meters.CURVE_NOT_ACTIVATED, CONSENT, today=TODAY) == placed  # not twice
        orders = conn.execute("SELECT order_kind, prestation, status FROM sge_order ORDER BY 1").fetchall()
        services = sge.services(meters.CURVE_NOT_ACTIVATED)
        assert {s["prestation"] for s in services} == {"F300C", "F305"}
        sge.stop(meters.CURVE_NOT_ACTIVATED, services[0]["serviceSouscritId"])
        assert sge.services(meters.CURVE_NOT_ACTIVATED)[0]["etatCode"] == "TERMINE"
    assert orders == [("ACTIVATION_COURBE", "F300C", "ACTIVE"), ("SOUSCRIPTION_INDEX", "F305", "ACTIVE")]
    enedis.state.today = TODAY + timedelta(days=3)
    body = fast_client.measure(curve, meters.CURVE_NOT_ACTIVATED, TODAY, TODAY + timedelta(days=2))
    assert body.count(b'"v"') == 96
    with pytest.raises(NoData):  # nothing before the activation
        fast_client.measure(curve, meters.CURVE_NOT_ACTIVATED, TODAY - timedelta(days=2), TODAY)


def test_orders_need_the_customer_consent(enedis):
    with SgeClient(enedis.base_url) as sge, pytest.raises(SgeFault) as refused:
        sge.subscribe(meters.NORMAL, kind="CDC", first=TODAY, last=TODAY + timedelta(days=30),
                      consent={"declarationAccordClient": {"accord": True}})
    assert refused.value.code == "SGT4B4"


def test_technical_data(enedis):
    with SgeClient(enedis.base_url) as sge:
        point = sge.technical_data(meters.C4_10MIN)
    assert point["donneesGenerales"]["segment"] == "C4"
    assert point["situationComptage"]["pasCourbe"] == "PT10M"


def test_m023_history_arrives_by_sftp_and_is_loaded(sshd_server, sftp_root, sftp, raw_zone, pg_url):
    remote = f"{sftp_root.name}/enedis/m023"
    with start_enedis(0, sftp_root / "enedis" / "m023", today=TODAY, m023_delay_seconds=0.5) as sandbox, \
            SgeClient(sandbox.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        first, end = date(2026, 1, 1), date(2026, 8, 1)  # 212 days of half-hours: two orders of <= 10,000 points
        affaires = order_history(sge, conn, meters.NORMAL, first, end, CONSENT)
        assert len(affaires) == 2
        assert order_history(sge, conn, meters.NORMAL, first, end, CONSENT) == affaires  # not ordered twice
        assert ready_files(sftp, remote, affaires) == []  # not there yet
        deadline = time.monotonic() + 20
        while len(names := ready_files(sftp, remote, affaires)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # what the reschedule-mode sensor does, minutes apart
        assert len(names) == 2
        refs = pick_up(sftp, raw_zone, conn, remote, names, received=TODAY)
        counts = ingest_raw(raw_zone, conn, refs)
        assert pending_history(conn) == []
        assert sorted(sftp.listdir(f"{remote}/processed")) == names
        points = conn.execute("SELECT count(*), min(interval_end), max(interval_end) FROM load_curve").fetchone()
        statuses = conn.execute("SELECT DISTINCT status FROM sge_order").fetchall()
    expected = (end - first).days * 48 - 2  # spring-forward day of 2026-03-29 has 46 half-hours
    assert counts["load_curve"]["inserted"] == expected == points[0]
    assert statuses == [("DELIVERED",)]


def test_m023_over_ten_thousand_points_is_refused_with_sgt4l8(enedis):
    from collecte.sources.enedis.errors import RequestRejected

    with SgeClient(enedis.base_url) as sge, pytest.raises(RequestRejected) as refused:
        sge.order_history([meters.NORMAL], date(2025, 11, 1), date(2026, 11, 1), consent=CONSENT)  # 17,520 points
    assert refused.value.code == "SGT4L8"
