"""`python -m collecte.sources.enedis fetch` against the running sandbox, as a data engineer runs it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from sandbox.enedis import meters
from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET, UNSUBSCRIBED_CLIENT_ID

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def live(tmp_path):
    """The sandbox on the real clock (the command line asks up to today, as in production)."""
    from sandbox.enedis import start_enedis

    sandbox = start_enedis(0)
    yield sandbox
    sandbox.stop()


def fetch(sandbox, prm, data, first, last, client_id=CLIENT_ID):
    done = subprocess.run(
        [sys.executable, "-m", "collecte.sources.enedis", "fetch", "--base-url", sandbox.base_url,
         "--client-id", client_id, "--client-secret", CLIENT_SECRET, "--prm", prm, "--data", data,
         "--from", first, "--to", last], capture_output=True, text=True, timeout=100)
    return done.returncode, [orjson.loads(line) for line in done.stdout.splitlines()], done.stderr


def _utc(text):
    assert text.endswith("Z")
    return datetime.fromisoformat(text)


def test_load_curve_to_is_inclusive_and_records_are_canonical(live):
    status, records, stderr = fetch(live, meters.NORMAL, "load_curve", "2026-11-02", "2026-11-02")
    assert status == 0 and stderr == ""
    assert len(records) == 48  # the whole of the --to day, and nothing after
    assert _utc(records[0]["start"]) == datetime(2026, 11, 1, 23, 0, tzinfo=UTC)  # Paris midnight
    assert _utc(records[-1]["end"]) == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    for record in records:
        assert record["meter_id"] == meters.NORMAL and record["unit"] == "W"
        assert isinstance(record["value"], int | float)
        assert _utc(record["end"]) - _utc(record["start"]) == timedelta(minutes=30)
    assert live.state.stats.by_resource["courbe_de_charge_consommation"] == 1


def test_a_long_curve_span_is_split_like_the_dags(live):
    status, records, _ = fetch(live, meters.NORMAL, "load_curve", "2026-10-01", "2026-10-20")
    assert status == 0 and len(records) == 20 * 48
    assert live.state.stats.by_resource["courbe_de_charge_consommation"] == 3  # 7 + 7 + 6 days
    assert live.state.stats.by_status.get(500, 0) == 0


def test_a_step_change_inside_one_answer(live):
    status, records, _ = fetch(live, meters.STEP_CHANGE, "load_curve", "2026-11-10", "2026-11-10")
    assert status == 0 and [r["interval_minutes"] for r in records].count(10) == 72
    covered = sum((_utc(r["end"]) - _utc(r["start"])).total_seconds() for r in records)
    assert covered == 24 * 3600 and _utc(records[24]["start"]) == datetime(2026, 11, 10, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(("data", "prm", "unit", "count"), [
    ("daily_consumption", meters.NORMAL, "Wh", 3), ("max_power", meters.NORMAL, "VA", 3),
    ("daily_production", meters.PRODUCER, "Wh", 3), ("production_load_curve", meters.SELF_CONSUMPTION, "W", 144),
])
def test_daily_max_power_and_production(live, data, prm, unit, count):
    status, records, _ = fetch(live, prm, data, "2026-11-01", "2026-11-03")
    assert status == 0 and len(records) == count and {r["unit"] for r in records} == {unit}
    if count == 3:
        days = [(_utc(r["start"]), _utc(r["end"])) for r in records]
        assert days[0] == (datetime(2026, 10, 31, 23, 0, tzinfo=UTC), datetime(2026, 11, 1, 23, 0, tzinfo=UTC))
    if data == "max_power":
        assert all(_utc(r["start"]) <= _utc(r["reached_at"]) < _utc(r["end"]) for r in records)


def test_contract_of_a_self_consumption_point(live):
    status, [record], _ = fetch(live, meters.SELF_CONSUMPTION, "contract", "2026-11-01", "2026-11-01")
    assert status == 0
    assert record["meter_id"] == meters.SELF_CONSUMPTION and record["subscribed_power_kva"] == 12
    assert record["distribution_tariff"].startswith("Tarif BT<=36kVA")
    assert record["last_activation_date"] == "2014-01-22" and date.fromisoformat(record["last_activation_date"])
    assert record["injection_contract"]["contract_type"] == "Contrat GRD-A"


def test_address(live):
    status, [record], _ = fetch(live, meters.NORMAL, "address", "2026-11-01", "2026-11-01")
    assert status == 0 and record["postal_code_city"] == "69003 LYON" and record["meter_id"] == meters.NORMAL


def test_revoked_consent_exits_with_no_consent(live):
    status, records, stderr = fetch(live, meters.CONSENT_REVOKED, "load_curve", "2026-11-01", "2026-11-01")
    assert status != 0 and records == []
    assert len(stderr.splitlines()) == 1 and "NO_CONSENT" in stderr and "ADAM-DC-0008" in stderr


def test_an_api_not_subscribed_exits_with_not_subscribed(live):
    status, records, stderr = fetch(live, meters.NORMAL, "daily_consumption", "2026-11-01", "2026-11-01",
                                    client_id=UNSUBSCRIBED_CLIENT_ID)
    assert status != 0 and records == []
    assert len(stderr.splitlines()) == 1 and "NOT_SUBSCRIBED" in stderr
    assert live.state.stats.by_status[403] == 1  # not retried


def test_history_wall_is_a_warning_with_the_data_after_it(live):
    status, records, stderr = fetch(live, meters.RECENT, "daily_consumption", "2026-04-28", "2026-05-06")
    assert status == 0 and [r["start"][:10] for r in records][0] == "2026-05-03"  # 4 May, Paris midnight
    assert len(records) == 3 and "HISTORY_WALL" in stderr and "2026-05-04" in stderr
