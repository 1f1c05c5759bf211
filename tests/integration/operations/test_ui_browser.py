"""The operations pages as a person uses them: Chromium logs into a real Airflow api-server (with the
collecte plugin), opens the coverage view from Airflow's navigation, finds a gap, collects it, and
sees the run that Airflow created. Screenshots of the coverage view and a meter page are saved
(`COLLECTE_SCREENSHOTS=docs/` writes the README's pictures)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.integration.api_server import airflow_api_server
from tests.integration.coverage.seed import PRM, seed_coverage

pytestmark = [pytest.mark.services, pytest.mark.browser]
REPO = Path(__file__).resolve().parents[3]
PASSWORD = "ui-test-password"


def _seed_march(conn) -> None:
    """March 2026 of one meter, with the 13th missing: what the screenshots show."""
    import math
    from datetime import UTC, date, datetime, timedelta

    from tests.integration.coverage.seed import PARIS

    rows, days = [], []
    for day in (date(2026, 3, 1) + timedelta(days=i) for i in range(31)):
        if day in (date(2026, 3, 13), date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)):
            continue  # the 13th is missing; the seed already holds the 28th to the 30th
        days.append(day)
        start = datetime.combine(day, datetime.min.time(), PARIS).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), PARIS).astimezone(UTC)
        t = start
        while t < end:
            t += timedelta(minutes=30)
            hour = t.astimezone(PARIS).hour + t.minute / 60
            watts = int(1500 + 2500 * max(0.0, math.sin((hour - 6) / 15 * math.pi)) + 300 * (day.weekday() < 5))
            rows.append((PRM, t, "CONS", 30, watts, watts / 2, "enedis", f"raw/c/{day}.json"))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO load_curve VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cur.executemany("INSERT INTO daily_energy VALUES (%s, %s, 'CONS', 'enedis', %s, 'BRUT', 'raw/d.json') "
                        "ON CONFLICT DO NOTHING", [(PRM, d, 60000 + 1000 * d.day) for d in days])
        cur.executemany("INSERT INTO max_power VALUES (%s, %s, 'CONS', %s, %s, 'enedis', 'raw/m.json') "
                        "ON CONFLICT DO NOTHING", [(PRM, d, 4200 + 50 * d.day, datetime(2026, 3, d.day, 18, tzinfo=UTC))
                                                   for d in days])


@pytest.fixture
def airflow_ui(postgres_server, pg_url, s3_server, s3, tmp_path):
    """A real `airflow api-server` on a free loopback port, its DAGs serialized, the warehouse seeded."""
    from collecte.warehouse.db import connect

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    with connect(pg_url, autocommit=True) as conn:
        seed_coverage(conn)
        _seed_march(conn)
    with airflow_api_server(tmp_path, users={"admin": "admin"}, passwords={"admin": PASSWORD},
                            warehouse_port=postgres_server.port, warehouse_db=pg_url.rsplit("/", 1)[1],
                            s3_endpoint=s3_server.endpoint_url, bucket=s3[1], reserialize=True) as base:
        yield base


def test_collect_a_gap_from_the_coverage_view(airflow_ui, tmp_path) -> None:
    import httpx
    from playwright.sync_api import expect

    from collecte.sources.portal.browser import chromium

    shots = Path(os.environ.get("COLLECTE_SCREENSHOTS") or tmp_path)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(airflow_ui + "/", timeout=60_000)
        # Airflow's own login page (SimpleAuthManager)
        page.get_by_label(re.compile("username", re.I)).fill("admin")
        page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("sign in|login|log in", re.I)).click()
        page.wait_for_url(re.compile(r"^(?!.*login).*$"), timeout=60_000)
        # the plugin's entry in Airflow's navigation ("Browse" menu)
        page.get_by_role("button", name=re.compile("browse", re.I)).click()
        page.get_by_role("menuitem", name="Couverture des données").click()
        frame = page.frame_locator("iframe").first
        expect(frame.locator("h1")).to_have_text("Couverture des données", timeout=60_000)
        missing = frame.locator('rect[data-state="missing"]')
        expect(missing.first).to_be_attached()
        button = frame.locator(f'div[data-meter="{PRM}"] button.collect-gap').first
        label = button.inner_text()
        assert label.startswith("Collecter"), label
        button.click()
        link = frame.locator("#triggered-run")
        expect(link).to_be_visible(timeout=60_000)
        run_path = link.get_attribute("href")
        assert run_path.startswith("/dags/import_meter_history/runs/")
        run_id = run_path.rsplit("/", 1)[1]
        # the README's pictures: a quarter of coverage, and a meter's week around the spring DST change
        page.goto(f"{airflow_ui}/collecte-ops/coverage?organization=o1&first=2026-02-01&last=2026-04-30")
        expect(page.locator('rect[data-day="2026-03-13"][data-state="missing"]').first).to_be_attached()
        page.screenshot(path=str(shots / "coverage-view.png"), full_page=True)
        page.goto(f"{airflow_ui}/collecte-ops/meters/{PRM}?range=week&day=2026-03-31")
        expect(page.locator("h1")).to_contain_text(PRM)
        page.screenshot(path=str(shots / "meter-page.png"), full_page=True)
    token = httpx.post(f"{airflow_ui}/auth/token", json={"username": "admin", "password": PASSWORD}).json()
    run = httpx.get(f"{airflow_ui}/api/v2/dags/import_meter_history/dagRuns/{httpx.URL(run_id).path}",
                    headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30)
    assert run.status_code == 200, run.text
    conf = run.json()["conf"]
    assert conf["meters"] == [PRM] and conf["operator"] == "enedis" and conf["from"] <= conf["to"]
