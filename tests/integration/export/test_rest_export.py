"""REST push to the sandbox ERP: idempotent reruns, corrected versions, an outage then recovery."""

from __future__ import annotations

import httpx
import pytest

from collecte.export.config import ExportConfig
from collecte.export.runner import run_exports
from tests.unit.quality.builders import invoice

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]

CONFIG = ExportConfig.model_validate({
    "organization": "mairie-test", "select": {"suppliers": ["volta"]},
    "exporters": [{"name": "erp", "type": "rest", "conn_id": "collecte_erp", "max_attempts": 3,
                   "backoff_seconds": 0.5}],
})


def _stored(erp: str) -> list[dict]:
    from tests.integration.export.conftest import ERP_TOKEN

    response = httpx.get(erp + "/api/v1/supplier-invoices", headers={"Authorization": f"Bearer {ERP_TOKEN}"})
    return response.json()["items"]


def _stats(erp: str) -> dict:
    return httpx.get(erp + "/_sandbox/stats").json()


def test_push_then_rerun_sends_nothing_twice(warehouse, erp, connectors):
    docs = [invoice("FV-1"), invoice("FV-2"), invoice("GZ-1", supplier="gazelec")]
    report = run_exports(warehouse, CONFIG, docs, connectors)
    assert report.ok and report.exporters[0].delivered == 2  # gazelec is not this organization's
    stored = _stored(erp)
    assert [s["invoice_number"] for s in stored] == ["FV-1", "FV-2"]
    acks = warehouse.execute("SELECT d.invoice_number, d.status, a.target_ref, a.replayed FROM export_delivery d"
                             " JOIN export_ack a USING (idempotency_key) ORDER BY 1").fetchall()
    assert acks == [("FV-1", "delivered", "ERP-000001", False), ("FV-2", "delivered", "ERP-000002", False)]

    calls = _stats(erp)["calls"]
    again = run_exports(warehouse, CONFIG, docs, connectors)
    assert again.exporters[0].planned == 0 and _stats(erp)["calls"] == calls


def test_corrected_invoice_is_sent_as_a_new_version(warehouse, erp, connectors):
    run_exports(warehouse, CONFIG, [invoice("FV-7")], connectors)
    corrected = invoice("FV-7", hp=650)
    report = run_exports(warehouse, CONFIG, [corrected], connectors)
    assert report.exporters[0].delivered == 1
    first, second = _stored(erp)
    assert (first["version"], second["version"]) == (1, 2)
    assert second["body"]["supersedes"] == first["idempotency_key"]
    assert second["body"]["invoice"]["sites"][0]["consumption_kwh"] == 1050


def test_outage_then_recovery(warehouse, erp, connectors, waits):
    httpx.post(erp + "/_sandbox/outage", json={"failures": -1, "status": 503, "retry_after": 2})
    docs = [invoice("FV-20"), invoice("FV-21")]
    down = run_exports(warehouse, CONFIG, docs, connectors)
    assert not down.ok and down.exporters[0].failed == 2 and "unavailable" in down.exporters[0].errors[0]
    assert waits == [2.0, 2.0]  # Retry-After honoured between the 3 attempts
    assert _stored(erp) == [] and _stats(erp)["calls"] == 3  # the exporter stopped after the first
    status = warehouse.execute("SELECT invoice_number, status, attempts FROM export_delivery ORDER BY 1").fetchall()
    assert status == [("FV-20", "failed", 3), ("FV-21", "pending", 0)]

    httpx.post(erp + "/_sandbox/outage", json={"failures": 0})
    up = run_exports(warehouse, CONFIG, docs, connectors)
    assert up.ok and up.exporters[0].delivered == 2
    assert [s["invoice_number"] for s in _stored(erp)] == ["FV-20", "FV-21"]


def test_transient_failures_are_retried_within_the_run(warehouse, erp, connectors, waits):
    httpx.post(erp + "/_sandbox/outage", json={"failures": 2, "status": 502, "retry_after": 0})
    report = run_exports(warehouse, CONFIG, [invoice("FV-30")], connectors)
    assert report.ok
    assert warehouse.execute("SELECT attempts FROM export_delivery").fetchone() == (3,)


def test_lost_acknowledgement_is_recovered_without_a_duplicate(warehouse, erp, connectors):
    from collecte.export import ledger
    from collecte.export.rest import erp_client, push

    doc = invoice("FV-40")
    (delivery,) = ledger.plan(warehouse, "mairie-test/erp", [doc])
    target = connectors.rest_target(CONFIG.exporters[0])
    with erp_client(target) as client:  # the ERP stores it, then the worker dies before recording the ack
        push(client, target, delivery)
    report = run_exports(warehouse, CONFIG, [doc], connectors)
    assert report.exporters[0].replayed == 1 and len(_stored(erp)) == 1
    assert warehouse.execute("SELECT replayed FROM export_ack").fetchone() == (True,)


def test_wrong_token_stops_the_exporter(warehouse, erp, connectors):
    import dataclasses

    from collecte.export.runner import Connectors

    def bad_target(config):
        return dataclasses.replace(connectors.rest_target(config), token="wrong")

    broken = Connectors(rest_target=bad_target, sftp_session=connectors.sftp_session, engine=connectors.engine,
                        sleep=connectors.sleep)
    report = run_exports(warehouse, CONFIG, [invoice("FV-50"), invoice("FV-51")], broken)
    assert report.exporters[0].failed == 2 and "credentials" in report.exporters[0].errors[0]
    assert _stats(erp)["calls"] == 1
