"""Erasure by identifiers (#11.11, #11.12): the registry says what is the subject's, the subject index
says which objects; namesakes and other suppliers' same account numbers are untouched; the person
who asked is erased, not the mandate's signatory; warehouse first, S3 after the commit; a report;
the audit log is appended to, never rewritten; the request runs as a gdpr_erasure DAG run."""

from __future__ import annotations

import io
import json

import pytest

from collecte.consent.gate import collectable_accounts, collectable_meters
from collecte.warehouse.db import connect
from tests.integration.consent.conftest import TODAY

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]
JEANNE_PRM, NAMESAKE_PRM = "30001234567899", "30001234567800"


def _org(org_id: str, entity: dict) -> object:
    from collecte.consent.organizations import Organization

    return Organization.model_validate({"id": org_id, "name": entity["name"], "entities": [entity],
                                        "supplier_accounts": entity.pop("accounts")})


def _customers(conn, zone) -> dict[str, str]:
    """Jeanne Martin, a natural person (volta account A-100), and a bakery of a namesake,
    Saint-Martin, whose azur account has the same number A-100. Both with signed mandates."""
    from collecte.consent.mandates import draft_mandate, sign
    from collecte.consent.registry import save_organization

    jeanne = _org("foyer-martin", {
        "id": "foyer-martin", "name": "Foyer Martin", "person_type": "natural", "postal_code": "31000",
        "address": "5 rue des Lilas", "city": "Toulouse",
        "contacts": [{"id": "c-jeanne", "role": "entity_contact", "civility": "Mme", "first_name": "Jeanne",
                      "surname": "Martin", "email": "jeanne.martin@example.org"}],
        "sites": [{"id": "maison-martin", "name": "Maison Martin", "address": "5 rue des Lilas",
                   "meters": [{"id": JEANNE_PRM, "operator": "enedis"}]}],
        "accounts": [{"supplier": "volta", "account_id": "A-100", "entity": "foyer-martin"}]})
    bakery = _org("saint-martin", {
        "id": "boulangerie", "name": "Boulangerie Saint-Martin", "company_name": "Boulangerie Saint-Martin SARL",
        "contacts": [{"id": "c-luc", "role": "entity_contact", "first_name": "Luc", "surname": "Saint-Martin",
                      "email": "luc@saint-martin.example"}],
        "sites": [{"id": "fournil", "name": "Fournil", "meters": [{"id": NAMESAKE_PRM, "operator": "enedis"}]}],
        "accounts": [{"supplier": "azur", "account_id": "A-100", "entity": "boulangerie"}]})
    mandates = {}
    for org, entity, contact in ((jeanne, "foyer-martin", "c-jeanne"), (bakery, "boulangerie", "c-luc")):
        save_organization(conn, org)
        draft = draft_mandate(conn, entity_id=entity, contact_id=contact, start=TODAY, actor="test")
        mandates[entity] = sign(conn, zone, draft.id, signer_ip="192.0.2.1", actor="test", require_code=False).id
    return mandates


def _rows(conn) -> None:
    for prm, holder in ((JEANNE_PRM, "Mme Jeanne MARTIN"), (NAMESAKE_PRM, "Boulangerie Saint-Martin")):
        conn.execute("INSERT INTO load_curve (meter_id, interval_end, direction, interval_minutes, power_w, energy_wh,"
                     " source, raw_key) VALUES (%s, now(), 'CONS', 30, 500, 250, 'enedis', 'r')", (prm,))
        conn.execute("INSERT INTO meter_contract (meter_id, source, holder, raw_key) VALUES (%s, 'enedis', %s, 'r')",
                     (prm, holder))
    for supplier, name in (("volta", "Jeanne MARTIN"), ("azur", "Boulangerie Saint-Martin")):
        conn.execute("INSERT INTO invoice (supplier, invoice_number, document_type, invoice_date, customer_account,"
                     " customer_name, energy, total_excl_tax, total_vat, total_incl_tax, site_count, status, source,"
                     " raw_key) VALUES (%s, %s, 'invoice', '2026-10-01', 'A-100', %s, 'electricity', 10, 2, 12, 1,"
                     " 'ok', 'template', %s)",
                     (supplier, f"F-{supplier}", name, f"raw/source={supplier}/x"))


def _parquet(meters: list[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"meter_id": meters, "energy_wh": list(range(len(meters)))}), sink)
    return sink.getvalue()


def _objects(zone) -> dict[str, str]:
    """Objects of both customers, landed the way the code lands them (indexed), plus one legacy one."""
    from collecte.stages.invoices import staged_key

    def land(source: str, kind: str, account: str, body: bytes) -> str:
        return zone.land(body, source=source, kind=kind, account=account, received=TODAY, ext="json",
                         original_name="x.json", origin="test").key

    keys = {
        "jeanne_curve": land("enedis", "courbe_de_charge_consommation", JEANNE_PRM, b"curve-j"),
        "namesake_curve": land("enedis", "courbe_de_charge_consommation", NAMESAKE_PRM, b"curve-n Martin"),
        "jeanne_invoice": land("volta", "invoice_pdf", "A-100", b"pdf Jeanne Martin"),
        "azur_invoice": land("azur", "invoice_pdf", "A-100", b"pdf Saint-Martin"),
    }
    keys["jeanne_staged"] = zone.put(staged_key(keys["jeanne_invoice"], ".json"), b"{}")
    keys["jeanne_quarantine"] = zone.put(f"quarantine/{keys['jeanne_invoice'].removeprefix('raw/')}/"
                                         "dataset=invoice/F-volta.json", b"{}")
    keys["jeanne_debug"] = zone.put("debug/source=volta/account=A-100/20261002T000000Z-SITE_DOWN.png", b"png")
    keys["azur_debug"] = zone.put("debug/source=azur/account=A-100/20261002T000000Z-SITE_DOWN.png", b"png")
    keys["batch"] = zone.put("staged/source=enedis/dataset=load_curve/b1.parquet",
                             _parquet([JEANNE_PRM, NAMESAKE_PRM, JEANNE_PRM]),
                             subjects=[("enedis", JEANNE_PRM), ("enedis", NAMESAKE_PRM)])
    keys["legacy"] = f"raw/source=enedis/kind=consommation_quotidienne/account={JEANNE_PRM}/received=2024-01-01/ab.json"
    zone.client.put_object(Bucket=zone.bucket, Key=keys["legacy"], Body=b"landed before the index")
    return keys


@pytest.fixture
def indexed_zone(raw_zone, pg_url):
    from collecte.landing.subject_index import WarehouseSubjectIndex

    index = WarehouseSubjectIndex(pg_url)
    raw_zone.subject_index = index
    yield raw_zone
    index.close()


def _audit(conn) -> list[tuple]:
    return conn.execute("SELECT id, at, actor, action, object_type, object_id, detail::text FROM audit_log"
                        " ORDER BY id").fetchall()


def test_erasure_by_identifiers_spares_namesakes_and_other_suppliers(seeded, indexed_zone):
    from collecte.consent.erasure import request_erasure, run_erasure

    pg_url, _, _ = seeded
    zone = indexed_zone
    with connect(pg_url) as conn:
        mandates = _customers(conn, zone)
        _rows(conn)
        conn.commit()
        keys = _objects(zone)
        trail = _audit(conn)
        request_id = request_erasure(conn, contact_id="c-jeanne", requested_by="contact:c-jeanne")
        conn.commit()
        report = run_erasure(conn, zone, request_id)
        # Jeanne: her meter's and her volta account's rows, her registry fields; the gate refuses her
        assert conn.execute("SELECT meter_id FROM load_curve").fetchall() == [(NAMESAKE_PRM,)]
        assert conn.execute("SELECT holder FROM meter_contract").fetchall() == [("Boulangerie Saint-Martin",)]
        assert conn.execute("SELECT supplier, customer_name FROM invoice").fetchall() == [
            ("azur", "Boulangerie Saint-Martin")]
        assert conn.execute("SELECT surname, email, erased_at IS NOT NULL FROM contact WHERE id = 'c-jeanne'"
                            ).fetchone() == (None, None, True)
        assert conn.execute("SELECT surname, first_name, signatory_name, evidence_key, status FROM mandate"
                            " WHERE id = %s", (mandates["foyer-martin"],)).fetchone() == (
            None, None, None, None, "revoked")
        assert collectable_meters(conn, operator="enedis", data_kind="load_curve", on=TODAY,
                                  candidates=[JEANNE_PRM, NAMESAKE_PRM]).allowed == [NAMESAKE_PRM]
        assert collectable_accounts(conn, supplier="azur", data_kind="invoices", on=TODAY,
                                    candidates=["A-100"]).allowed == ["A-100"]
        # the namesakes are untouched: Luc Saint-Martin, Claire Martin (the demo referent)
        names = dict(conn.execute("SELECT id, surname FROM contact WHERE id IN ('c-luc', 'referent')"))
        assert names == {"c-luc": "Saint-Martin", "referent": "Martin"}
        # the audit log: every earlier row unchanged, two rows appended (request, erasure)
        after = _audit(conn)
        assert after[:len(trail)] == trail
        assert [row[3] for row in after[len(trail):]][-1] == "personal_data.erase"
        summary, status = conn.execute("SELECT summary, status FROM erasure_request WHERE id = %s",
                                       (request_id,)).fetchone()
    assert status == "done" and summary == report.as_dict()
    assert summary["rows_deleted"]["load_curve"] == 1 and summary["rows_deleted"]["invoice"] == 1
    left = set(zone.keys(""))
    gone = {"jeanne_curve", "jeanne_invoice", "jeanne_staged", "jeanne_quarantine", "jeanne_debug", "legacy"}
    assert not {keys[k] for k in gone} & left
    assert {keys[k] for k in ("namesake_curve", "azur_invoice", "azur_debug", "batch")} <= left
    import pyarrow.parquet as pq

    batch = pq.read_table(io.BytesIO(zone.get(keys["batch"])))
    assert batch.column("meter_id").to_pylist() == [NAMESAKE_PRM]  # rewritten without Jeanne's rows
    assert report.objects_deleted >= len(gone) and report.objects_rewritten == 1


def test_the_person_who_asked_is_erased_not_the_mandates_signatory(seeded):
    from collecte.consent.erasure import request_erasure, run_erasure

    pg_url, zone, result = seeded
    with connect(pg_url) as conn:
        # the Lyon branch's mandate was signed by the group referent, Claire Martin
        lyon = conn.execute("SELECT id, contact_id, signatory_name FROM mandate WHERE entity_id = 'agence-lyon'"
                            ).fetchone()
        assert lyon[1] == "referent" and lyon[2] == "Claire Martin"
        conn.execute("INSERT INTO contact (id, entity_id, role, first_name, surname, email) VALUES"
                     " ('c-marc', 'agence-lyon', 'entity_contact', 'Marc', 'Petit', 'marc.petit@demo-energie.example')")
        request_id = request_erasure(conn, contact_id="c-marc", mandate_id=lyon[0], requested_by="contact:c-marc")
        conn.commit()
        run_erasure(conn, zone, request_id)
        assert conn.execute("SELECT surname, email FROM contact WHERE id = 'c-marc'").fetchone() == (None, None)
        assert conn.execute("SELECT surname, email FROM contact WHERE id = 'referent'").fetchone() == (
            "Martin", "claire.martin@demo-energie.example")
        assert conn.execute("SELECT signatory_name, status FROM mandate WHERE id = %s", (lyon[0],)).fetchone() == (
            "Claire Martin", "signed")


def test_the_warehouse_commits_first_and_a_retry_finishes_s3(seeded, indexed_zone):
    from collecte.consent.erasure import request_erasure, run_erasure

    pg_url, _, _ = seeded
    zone = indexed_zone
    with connect(pg_url) as conn:
        _customers(conn, zone)
        _rows(conn)
        conn.commit()
        keys = _objects(zone)
        request_id = request_erasure(conn, contact_id="c-jeanne", requested_by="dpo")
        conn.commit()
        real = zone.client.delete_objects

        def outage(**_: object) -> None:
            raise ConnectionError("S3 unreachable")

        zone.client.delete_objects = outage
        with pytest.raises(ConnectionError):
            run_erasure(conn, zone, request_id)
    with connect(pg_url) as conn:  # another connection: the warehouse part is committed
        status, pending, error = conn.execute("SELECT status, pending_keys, error FROM erasure_request WHERE id = %s",
                                              (request_id,)).fetchone()
        assert status == "warehouse_done" and "S3 unreachable" in error
        assert keys["jeanne_curve"] in pending["delete"]
        assert conn.execute("SELECT count(*) FROM load_curve WHERE meter_id = %s", (JEANNE_PRM,)).fetchone()[0] == 0
        assert keys["jeanne_curve"] in zone.keys("raw/")
        zone.client.delete_objects = real
        run_erasure(conn, zone, request_id)
        assert conn.execute("SELECT status FROM erasure_request WHERE id = %s", (request_id,)).fetchone()[0] == "done"
    assert keys["jeanne_curve"] not in zone.keys("raw/")


def test_the_revocation_page_records_a_request_and_erases_nothing_inline(consent_app):
    from tests.integration.consent.conftest import contact_browser

    base_url, settings = consent_app
    with connect(settings.warehouse_url) as conn:
        mandate = conn.execute("SELECT id FROM mandate WHERE contact_id = 'contact-sud'").fetchone()[0]
    browser = contact_browser(base_url, settings.warehouse_url, "contact-sud")
    browser.get(f"/me/mandates/{mandate}")
    answer = browser.post(f"/me/mandates/{mandate}/revoke", {"reason": "départ", "erase": "1"})
    assert answer.status_code == 200, answer.text
    with connect(settings.warehouse_url) as conn:
        assert conn.execute("SELECT subject_id, status FROM erasure_request").fetchall() == [
            ("contact-sud", "requested")]
        assert conn.execute("SELECT surname FROM contact WHERE id = 'contact-sud'").fetchone()[0] == "Benali"
        assert conn.execute("SELECT status FROM mandate WHERE id = %s", (mandate,)).fetchone()[0] == "revoked"


@pytest.mark.airflow
def test_gdpr_erasure_dag_carries_out_open_requests(airflow_home):
    from collecte.consent.demo import seed_demo
    from collecte.consent.erasure import request_erasure
    from collecte.dags.gdpr import build_gdpr_erasure
    from collecte.landing.raw_zone import RawZone
    from tests.conftest import run_dag

    zone = RawZone(airflow_home.s3, airflow_home.bucket)
    with connect(airflow_home.pg_url) as conn:
        seed_demo(conn, zone, today=TODAY, with_config=False)
        request_id = request_erasure(conn, contact_id="contact-sud", requested_by="dpo")
        conn.commit()
    run = run_dag(build_gdpr_erasure())
    assert run.state == "success"
    with connect(airflow_home.pg_url) as conn:
        status, summary = conn.execute("SELECT status, summary FROM erasure_request WHERE id = %s",
                                       (request_id,)).fetchone()
        assert status == "done" and summary["contact_id"] == "contact-sud"
        assert conn.execute("SELECT surname FROM contact WHERE id = 'contact-sud'").fetchone()[0] is None
    assert json.dumps(summary)


def test_staged_batches_are_indexed_under_every_meter_they_hold(pg_url, indexed_zone):
    import pyarrow as pa

    from collecte.landing.subject_index import objects_of
    from collecte.metering import staging
    from collecte.metering.staging import ParquetStream

    schema = staging.DATASETS["daily_energy"].arrow_schema()
    rows = [{"meter_id": m, "day": TODAY, "direction": "CONS", "source": "enedis", "energy_wh": 1,
             "quality": "BRUT", "raw_key": "r"} for m in (JEANNE_PRM, NAMESAKE_PRM)]
    stream = ParquetStream()
    stream.write({"daily_energy": pa.Table.from_pylist(rows, schema=schema)})
    (key,) = stream.upload(indexed_zone, "enedis", "b-test").values()
    with connect(pg_url) as conn:
        assert objects_of(conn, [("enedis", JEANNE_PRM)]) == {
            key: [("enedis", NAMESAKE_PRM), ("enedis", JEANNE_PRM)]}
