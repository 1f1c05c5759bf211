"""Operations pages over a real warehouse and S3: who may see and do what, and what the pages show."""

from __future__ import annotations

import re

import pytest

from collecte.warehouse.db import connect
from tests.integration.consent.conftest import Browser, staff_browser
from tests.integration.coverage.seed import PRM

pytestmark = pytest.mark.services
PERIOD = "first=2026-03-01&last=2026-03-31"


def test_coverage_needs_a_signed_in_user(operations_app) -> None:
    base, _, _ = operations_app
    browser = Browser(base)
    assert browser.get(f"/coverage?{PERIOD}").status_code == 401
    assert browser.get(f"/meters/{PRM}").status_code == 401
    assert browser.get("/status").status_code == 401


def test_viewer_sees_coverage_heatmaps_and_drills_down(operations_app, staff_tokens) -> None:
    base, _, _ = operations_app
    viewer = staff_browser(base, staff_tokens, "viewer")
    page = viewer.get(f"/coverage?{PERIOD}&organization=o1")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h2>Autre</h2>" not in html and "<h2>Ville de Test</h2>" in html  # filtered on o1
    assert re.search(r'data-day="2026-03-05" data-state="missing"', html)
    assert re.search(r'data-day="2026-03-04" data-state="complete"', html)
    assert re.search(r'data-day="2026-03-30" data-state="partial"', html)
    assert re.search(r'data-month="2026-03" data-state="quarantined"', html)
    assert 'class="collect-gap" disabled' in html  # a viewer may not trigger collection
    day = viewer.get(f"/meters/{PRM}/days/2026-03-30?kind=load_curve")
    assert day.status_code == 200 and "raw/c/2026-03-30.json" in day.text
    meter = viewer.get(f"/meters/{PRM}?range=week&day=2026-03-31")
    assert meter.status_code == 200
    assert meter.text.count("<svg") >= 4 and "changement d'heure" in meter.text  # the DST day of 2026-03-29
    assert viewer.get("/meters/00000000000000").status_code == 404
    # a viewer changes nothing and sees no evidence (it can show a customer's page)
    assert viewer.post("/coverage/collect", {"meter_id": PRM, "kind": "daily_energy", "first": "2026-03-05",
                                             "last": "2026-03-05"}).status_code == 403
    assert viewer.get("/evidence?key=debug/x.png").status_code == 403


def test_operator_collects_a_gap_through_airflow(operations_app, staff_tokens, monkeypatch) -> None:
    base, _, _ = operations_app
    triggered = []

    def fake_trigger(root, token, dag_id, conf, **_):
        triggered.append((token, dag_id, conf))
        return "manual__2026-05-25T12:00:00+00:00"

    # Airflow's REST API is not served by this test app: the call's arguments are what matter here
    # (the browser test against the demo triggers for real)
    monkeypatch.setattr("collecte.web.operations.routes.trigger", fake_trigger)
    op = staff_browser(base, staff_tokens, "op")
    page = op.get(f"/coverage?{PERIOD}&organization=o1&operator=enedis&kind=daily_energy")
    assert "Collecter daily_energy du 2026-03-05 au 2026-03-05" in page.text
    answer = op.post("/coverage/collect", {"meter_id": PRM, "kind": "daily_energy", "first": "2026-03-05",
                                           "last": "2026-03-05"})
    assert answer.status_code == 200, answer.text
    assert triggered == [(staff_tokens["op"], "import_meter_history",
                          {"operator": "enedis", "meters": [PRM], "kinds": ["daily"], "from": "2026-03-05",
                           "to": "2026-03-05"})]
    assert 'id="triggered-run" href="/dags/import_meter_history/runs/manual__2026-05-25T12' in answer.text
    # no CSRF token, or another origin: refused before anything is triggered
    assert op.post("/coverage/collect", {"csrf_token": "", "supplier": "volta", "first": "2026-04-01",
                                         "last": "2026-04-30"}).status_code == 403
    other = Browser(base, origin="https://evil.example", cookies={"_token": staff_tokens["op"]})
    other.get(f"/coverage?{PERIOD}")
    assert other.post("/coverage/collect", {"supplier": "volta", "first": "2026-04-01",
                                            "last": "2026-04-30"}).status_code == 403
    assert len(triggered) == 1


def test_status_page_shows_problem_since_evidence_and_action(operations_app, staff_tokens) -> None:
    base, pg_url, zone = operations_app
    zone.put("debug/source=volta/account=ACC1/2026-05-24T10-00-00/page.png", b"\x89PNG fake")
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO account_attempt (source, account_id, attempted_at, status) VALUES "
                     "('volta', 'ACC1', '2026-05-23T10:00:00Z', 'LOGIN_FAILED'), "
                     "('volta', 'ACC1', '2026-05-24T10:00:00Z', 'LOGIN_FAILED')")
        conn.execute("INSERT INTO account_status (source, account_id, status, message, last_success, evidence_key) "
                     "VALUES ('volta', 'ACC1', 'LOGIN_FAILED', 'mot de passe refusé', '2026-05-01T10:00:00Z', "
                     "'debug/source=volta/account=ACC1/')")
        conn.execute("INSERT INTO meter_status (operator, meter_id, data_kind, status, message) "
                     "VALUES ('enedis', %s, 'load_curve', 'API_NOT_SUBSCRIBED', '900908')", (PRM,))
    admin = staff_browser(base, staff_tokens, "admin")
    html = admin.get("/status").text
    row = re.search(r'<tr class="problem" data-account="volta/ACC1" data-road="">(.*?)</tr>', html, re.S).group(1)
    assert "LOGIN_FAILED" in row and "2026-05-23" in row and "2026-05-01" in row and "mot de passe" in row
    assert "page.png" in row
    assert re.search(r'data-meter="12345678901234/load_curve">.*?API_NOT_SUBSCRIBED.*?Souscrire', html, re.S)
    shot = admin.get("/evidence?key=debug/source=volta/account=ACC1/2026-05-24T10-00-00/page.png")
    assert shot.status_code == 200 and shot.content == b"\x89PNG fake"
    assert admin.get("/evidence?key=raw/source=volta/x.pdf").status_code == 404


def test_status_page_shows_invoice_layout_changes(operations_app, staff_tokens) -> None:
    """(invoices #14.3) A supplier whose invoice layout changed: unread invoices and what changed."""
    base, pg_url, _zone = operations_app
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO invoice_layout_change (supplier, raw_key, status, changes) VALUES "
                     "('volta', 'raw/source=volta/a.pdf', 'layout_changed', "
                     """'["sites[0].lines: table header: unexpected column ''Centre de coût''"]')""")
    html = staff_browser(base, staff_tokens, "admin").get("/status").text
    assert "mises en page changées" in html and "Centre de coût" in html
