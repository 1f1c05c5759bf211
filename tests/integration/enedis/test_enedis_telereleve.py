"""Télé-relève through the SGE sandbox: official shapes both ways, activation, M023 files by SFTP, refusals."""

import time
from datetime import date, timedelta

import httpx
import paramiko
import pytest

from collecte.sources.enedis.errors import NoConsent, NoData, RequestRejected, SgeFault
from collecte.sources.enedis.sge import Consent, SgeClient, documents
from collecte.sources.enedis.telereleve import (
    activate_meter,
    land_m023,
    order_history,
    pending_history,
    ready_files,
)
from collecte.warehouse.db import connect
from sandbox.enedis import meters, start_enedis
from tests.integration.enedis.conftest import TODAY

xsd = pytest.importorskip("sandbox.enedis.xsd")
pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
CONSENT = Consent(company="Ville de Lyon")


class Recording(SgeClient):
    """A client that keeps every document it sends and every answer it gets, faults included."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.exchanges: list[tuple[str, bytes, bytes]] = []
        self.trace = lambda operation, document, answer: self.exchanges.append(
            (operation.service, document, answer))


def assert_all_valid(client: Recording) -> None:
    assert client.exchanges
    for service, request, answer in client.exchanges:
        svc = xsd.service(service)
        assert xsd.problems(request, svc, "request") == [], service
        direction = "fault" if b"Fault>" in answer else "response"
        assert xsd.problems(answer, svc, direction) == [], (service, answer[:400])


@pytest.fixture
def sftp(sshd_server):
    key = paramiko.Ed25519Key.from_private_key_file(str(sshd_server.client_key_file))
    transport = paramiko.Transport(("127.0.0.1", sshd_server.port))
    transport.connect(username=sshd_server.username, pkey=key)
    client = paramiko.SFTPClient.from_transport(transport)
    yield client
    client.close()
    transport.close()


def test_every_operation_speaks_the_official_contract_both_ways(enedis):
    with Recording(enedis.base_url) as sge:
        point = sge.technical_data(meters.C4_10MIN)
        for kind in ("load_curve", "daily_consumption", "max_power", "index"):
            sge.measures(meters.NORMAL, kind, TODAY - timedelta(days=7), TODAY)
        order = sge.subscribe(meters.NORMAL, kind="IDX", first=TODAY, last=TODAY + timedelta(days=365),
                              consent=Consent(surname="Dupont", civility="M"))
        listed = sge.services(meters.NORMAL)
        stopped = sge.stop(meters.NORMAL, order["serviceSouscritId"])
        affaire = sge.order_history([meters.NORMAL], TODAY - timedelta(days=30), TODAY)
        billing = sge.order_history([meters.NORMAL], TODAY - timedelta(days=30), TODAY, billing=True)
        with pytest.raises(RequestRejected):
            sge.order_history([meters.NORMAL], TODAY - timedelta(days=365), TODAY)
        assert_all_valid(sge)
    assert point["donneesGenerales"]["segment"]["@code"] == "C4"
    assert order["prestations"][0]["fiche"] == "F305"
    assert [s["serviceSouscritId"] for s in listed] == [order["serviceSouscritId"]]
    assert stopped["affaireId"] and len(affaire) <= 8 and len(billing) <= 8


def test_an_invalid_document_gets_a_soap_fault_not_a_success(enedis):
    good = documents.measures_request(meters.NORMAL, "collecte@example.fr", "max_power", TODAY - timedelta(days=2),
                                      TODAY)
    url = f"{enedis.base_url}/ConsultationMesuresDetaillees/v3.0"
    for bad in (good.replace(b"consultationmesuresdetaillees/common", b"sge/b2b/services/v3"),  # old namespace
                good.replace(b"<sens>SOUTIRAGE</sens>", b""),                                    # missing field
                good.replace(b"<mesuresTypeCode>PMAX", b"<mesuresTypeCode>CDC")):                 # not an enum value
        answer = httpx.post(url, content=bad, headers={"Content-Type": "text/xml"}, timeout=10)
        assert answer.status_code == 500
        assert b'code="SGT562"' in answer.content
        assert xsd.problems(answer.content, xsd.service("ConsultationMesuresDetailleesV3"), "fault") == []
    assert httpx.post(url, content=good, headers={"Content-Type": "text/xml"}, timeout=10).status_code == 200


def test_activation_turns_the_curve_on_from_that_day(enedis, pg_url):
    prm = meters.CURVE_NOT_ACTIVATED
    with Recording(enedis.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        with pytest.raises(NoData) as before:
            sge.measures(prm, "load_curve", TODAY - timedelta(days=2), TODAY)
        assert before.value.code == "SGT4L9"
        placed = activate_meter(sge, conn, prm, CONSENT, today=TODAY)
        assert activate_meter(sge, conn, prm, CONSENT, today=TODAY) == placed  # not twice
        orders = conn.execute("SELECT order_kind, prestation, status, last_day FROM sge_order ORDER BY 1").fetchall()
        assert {s["serviceSouscritType"] for s in sge.services(prm)} == {"F300C", "F305"}
        enedis.state.today = TODAY + timedelta(days=3)
        body = sge.measures(prm, "load_curve", TODAY, TODAY + timedelta(days=2))
        with pytest.raises(NoData):  # nothing before the activation
            sge.measures(prm, "load_curve", TODAY - timedelta(days=2), TODAY)
        assert_all_valid(sge)
    assert body.count(b"<points>") == 96
    assert orders == [("ACTIVATION_COURBE", "F300C", "ACTIVE", TODAY + timedelta(days=365)),
                      ("SOUSCRIPTION_INDEX", "F305", "ACTIVE", TODAY + timedelta(days=365))]


def test_orders_and_reads_refused_as_enedis_refuses(enedis):
    with Recording(enedis.base_url) as sge:
        with pytest.raises(NoConsent) as revoked:
            sge.measures(meters.CONSENT_REVOKED, "daily_consumption", TODAY - timedelta(days=3), TODAY)
        with pytest.raises(SgeFault) as unknown:
            sge.stop(meters.NORMAL, "99999")
        with pytest.raises(RequestRejected) as too_long:
            sge.subscribe(meters.NORMAL, kind="CDC", first=TODAY, last=TODAY + timedelta(days=800), consent=CONSENT)
        with pytest.raises(RequestRejected) as future:
            sge.measures(meters.NORMAL, "max_power", TODAY, TODAY + timedelta(days=2))
        assert_all_valid(sge)
    assert (revoked.value.code, unknown.value.code, too_long.value.code, future.value.code) == \
        ("SGT4G2", "SGT4O3", "SGT4H4", "SGT4K1")


def test_technical_data(enedis):
    from collecte.sources.enedis.sge.answers import curve_step_minutes

    with SgeClient(enedis.base_url) as sge:
        c4, c5 = sge.technical_data(meters.C4_10MIN), sge.technical_data(meters.NORMAL)
    assert (curve_step_minutes(c4), curve_step_minutes(c5)) == (10, 30)
    assert c4["situationContractuelle"]["structureTarifaire"]["puissanceSouscriteMax"]["valeur"] == "120"


def test_technical_data_of_a_production_only_point_is_valid(enedis):
    """The dictionary has no producer segment: the sandbox answers INDET (its answer was XSD-invalid,
    and the disconnect failed make demo's telereleve); the client reads the default 30-minute step."""
    from collecte.sources.enedis.sge.answers import curve_step_minutes

    with Recording(enedis.base_url) as sge:
        producer = sge.technical_data(meters.PRODUCER)
        assert_all_valid(sge)
    assert curve_step_minutes(producer) == 30


def test_m023_history_lands_through_the_sftp_drop_and_is_checked_then_loaded(sshd_server, sftp_root, sftp, raw_zone,
                                                                             pg_url):
    from collecte.sources.enedis.telereleve import load_m023

    remote = f"{sftp_root.name}/enedis/m023"
    with start_enedis(0, sftp_root / "enedis" / "m023", today=TODAY, m023_delay_seconds=0.5) as sandbox, \
            SgeClient(sandbox.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        first, end = date(2026, 1, 1), date(2026, 8, 1)  # 212 days of half-hours: two orders of <= 10,000 points
        affaires = order_history(sge, conn, meters.NORMAL, first, end)
        assert len(affaires) == 2
        assert order_history(sge, conn, meters.NORMAL, first, end) == affaires  # not ordered twice
        assert ready_files(sftp, remote, affaires) == []  # not there yet
        deadline = time.monotonic() + 20
        while len(names := ready_files(sftp, remote, affaires)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # what the reschedule-mode sensor does, minutes apart
        assert len(names) == 2
        # the file-age guard: just written, so left for the next pass
        assert land_m023(sftp, raw_zone, conn, remote_dir=remote, conn_id="sftp", received=TODAY,
                         now=time.time(), min_age_seconds=3600) == []
        asked: list[str] = []
        refused = land_m023(sftp, raw_zone, conn, remote_dir=remote, conn_id="sftp", received=TODAY,
                            now=time.time() + 7200,
                            gate=lambda prms: asked.extend(prms) or dict.fromkeys(prms, "mandate revoked"))
        assert refused == [] and len(ready_files(sftp, remote, affaires)) == 2  # left on the server
        assert asked == [meters.NORMAL]  # the name carries the affaire only: the PRM is its order's
        refs = land_m023(sftp, raw_zone, conn, remote_dir=remote, conn_id="sftp", received=TODAY,
                         now=time.time() + 7200)
        assert {r["account"] for r in refs} == {meters.NORMAL} and all(r["key"].endswith(".zip") for r in refs)
        counts, notice = load_m023(raw_zone, conn, refs, run_id="test")
        assert pending_history(conn) == []
        assert sorted(sftp.listdir(f"{remote}/processed")) == names
        points = conn.execute("SELECT count(*) FROM load_curve").fetchone()
        statuses = conn.execute("SELECT DISTINCT status FROM sge_order").fetchall()
        files = conn.execute("SELECT status, count(*) FROM file_status WHERE kind = 'm023_curve'"
                             " GROUP BY status ORDER BY 1").fetchall()
        validations = conn.execute("SELECT count(*) FROM validation_result WHERE dataset = 'load_curve'").fetchone()
    expected = (end - first).days * 48 - 2  # spring-forward day of 2026-03-29 has 46 half-hours
    assert counts["load_curve"]["inserted"] == expected == points[0]
    assert statuses == [("DELIVERED",)]
    assert files == [("landed", 2)]  # one status per file: no_consent first, landed once allowed
    assert notice is None and validations[0] >= 1  # checked by Great Expectations, nothing quarantined


def test_the_command_line(enedis, capsys):
    import orjson

    from collecte.sources.enedis.__main__ import main

    url = ["--url", enedis.base_url]
    assert main(["sge", "measures", *url, "--prm", meters.NORMAL, "--data", "load_curve",
                 "--from", "2026-11-01", "--to", "2026-11-09"]) == 0
    rows = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 9 * 48 and {r["dataset"] for r in rows} == {"load_curve"}
    assert rows[0]["interval_end"] == "2026-10-31T23:30:00+00:00" and rows[0]["source"] == "enedis"
    assert main(["sge", "subscribe", *url, "--prm", meters.NORMAL, "--kind", "CDC", "--from", "2026-11-20",
                 "--to", "2027-11-19", "--surname", "Dupont", "--civility", "M"]) == 0
    order = orjson.loads(capsys.readouterr().out)
    assert main(["sge", "list", *url, "--prm", meters.NORMAL]) == 0
    assert orjson.loads(capsys.readouterr().out)["serviceSouscritId"] == order["serviceSouscritId"]
    assert main(["sge", "stop", *url, "--prm", meters.NORMAL, "--service-id", order["serviceSouscritId"]]) == 0
    capsys.readouterr()
    assert main(["sge", "history", *url, "--prm", meters.NORMAL, "--from", "2025-11-01", "--to", "2026-10-31"]) == 2
    assert "SGT4L8" in capsys.readouterr().err
    assert main(["sge", "technical", *url, "--prm", meters.NORMAL, "--login", "not-an-email"]) == 2
    assert "e-mail" in capsys.readouterr().err


def test_a_technical_error_is_retried_in_place_and_a_refusal_is_not(enedis):
    from collecte.retry import RetryPolicy

    enedis.state.faults.fail_next = 2
    with Recording(enedis.base_url, policy=RetryPolicy(attempts=4, backoff=0.01)) as sge:
        point = sge.technical_data(meters.NORMAL)
        with pytest.raises(RequestRejected):
            sge.measures(meters.NORMAL, "max_power", TODAY, TODAY + timedelta(days=2))
        assert_all_valid(sge)
    assert point["@id"] == meters.NORMAL
    codes = [answer.split(b'code="')[1][:6] for _, _, answer in sge.exchanges if b"Fault>" in answer]
    assert codes == [b"SGT500", b"SGT500", b"SGT4K1"]  # two outages retried, the refusal sent once


def test_m023_billing_measures_land_and_load_into_billing_energy(sshd_server, sftp_root, sftp, raw_zone, pg_url):
    from collecte.sources.enedis.telereleve import load_m023

    remote = f"{sftp_root.name}/enedis/m023b"
    first, end = date(2026, 5, 1), TODAY
    with start_enedis(0, sftp_root / "enedis" / "m023b", today=TODAY, m023_delay_seconds=0.3) as sandbox, \
            Recording(sandbox.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        affaires = order_history(sge, conn, meters.NORMAL, first, end, billing=True)
        assert order_history(sge, conn, meters.NORMAL, first, end, billing=True) == affaires  # not twice
        deadline = time.monotonic() + 20
        while not ready_files(sftp, remote, affaires) and time.monotonic() < deadline:
            time.sleep(0.2)
        refs = land_m023(sftp, raw_zone, conn, remote_dir=remote, conn_id="sftp", received=TODAY,
                         now=time.time() + 7200)
        counts, notice = load_m023(raw_zone, conn, refs, run_id="test")
        again, _ = load_m023(raw_zone, conn, refs, run_id="test")  # a rerun changes nothing
        rows = conn.execute("SELECT grid, period_start, period_end, sum(energy_wh) FROM billing_energy"
                            " WHERE meter_id = %s GROUP BY 1, 2, 3 ORDER BY 2, 1", (meters.NORMAL,)).fetchall()
        status = conn.execute("SELECT status FROM sge_order WHERE affaire_id = %s", (affaires[0],)).fetchone()
        assert_all_valid(sge)
    assert [r["kind"] for r in refs] == ["m023_billing"] and notice is None
    assert status == ("DELIVERED",)
    months = sorted({(r[1], r[2]) for r in rows})
    assert months[0] == (first, date(2026, 6, 1)) and months[-1][1] == end and len(months) == 7
    totals = {}
    for grid, start, stop, wh in rows:
        totals.setdefault((start, stop), {})[grid] = wh
    assert all(t["D"] == t["F"] > 0 for t in totals.values())  # the distributor classes add up to the total
    assert counts["billing_energy"]["inserted"] == len(rows) // 2 * 3 == 21  # HP, HC and Base per month
    assert again["billing_energy"]["inserted"] == 0 and again["billing_energy"]["updated"] == 0


def test_an_m023_order_refused_as_too_long_is_ordered_in_halves(enedis, pg_url):
    prm = meters.C4_10MIN  # a 10-minute curve, ordered as if it were 30-minute: SGE counts 3x the points
    first, end = TODAY - timedelta(days=180), TODAY
    with Recording(enedis.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        affaires = order_history(sge, conn, prm, first, end, step_minutes=30)
        spans = conn.execute("SELECT first_day, last_day FROM sge_order WHERE meter_id = %s AND order_kind = 'M023'"
                             " ORDER BY first_day", (prm,)).fetchall()
        refused = [a for _, _, a in sge.exchanges if b"SGT4L8" in a]
        assert_all_valid(sge)
    assert len(affaires) == 4 and len(refused) == 3  # 180 days refused, then each 90-day half, then 4 x 45
    assert spans[0][0] == first and spans[-1][1] == end - timedelta(days=1)
    assert all(later[0] == earlier[1] + timedelta(days=1) for earlier, later in zip(spans, spans[1:], strict=False))


def test_m023_results_encrypted_on_the_drop_are_decrypted_with_the_flows_key(sshd_server, sftp_root, sftp,
                                                                             raw_zone, pg_url, tmp_path):
    from collecte.sources.enedis.telereleve import load_m023
    from collecte.stages.sge_flows import FlowCipher, FlowOptions
    from sandbox.enedis.flows import OTHER_AES_KEY, SANDBOX_AES_IV, SANDBOX_AES_KEY

    remote = f"{sftp_root.name}/enedis/m023c"
    with start_enedis(0, sftp_root / "enedis" / "m023c", today=TODAY, m023_delay_seconds=0.3,
                      flows_dir=tmp_path / "flows") as sandbox, \
            SgeClient(sandbox.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        affaires = order_history(sge, conn, meters.NORMAL, TODAY - timedelta(days=3), TODAY)
        deadline = time.monotonic() + 20
        while not ready_files(sftp, remote, affaires) and time.monotonic() < deadline:
            time.sleep(0.2)
        refs = land_m023(sftp, raw_zone, conn, remote_dir=remote, conn_id="sftp", received=TODAY,
                         now=time.time() + 7200)
        assert not raw_zone.get(refs[0]["key"]).startswith(b"PK")  # what Enedis puts on the drop: encrypted
        wrong = FlowOptions(FlowCipher.from_hex(OTHER_AES_KEY, SANDBOX_AES_IV))
        reasons = []
        for run, options in (("wrong-key", wrong), ("no-key", None)):
            _, notice = load_m023(raw_zone, conn, refs, run_id=run, flows=options)
            assert notice and "QUARANTINED" in notice
            reasons += [r[0] for r in conn.execute("SELECT reason FROM quarantine_record WHERE raw_key = %s",
                                                   (refs[0]["key"],)).fetchall()]
        right = FlowOptions(FlowCipher.from_hex(SANDBOX_AES_KEY, SANDBOX_AES_IV))
        counts, notice = load_m023(raw_zone, conn, refs, run_id="key", flows=right)
    assert notice is None
    assert any("cannot be decrypted with the configured flows key" in r for r in reasons)
    assert any("must be decrypted first" in r for r in reasons)
    assert counts["load_curve"]["inserted"] == 3 * 48
