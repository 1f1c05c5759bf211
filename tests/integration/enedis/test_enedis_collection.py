"""Collection of the demo PRMs against the sandbox, into a real raw zone (S3 API) and warehouse.

Proves: each behaviour's status (consent revoked, curve not activated, production only, history wall,
gaps), walls remembered, idempotent reruns, rate-limit compliance, DST point counts in the warehouse,
and that day-by-day runs (a backfill of collect_enedis) give the same rows as one history import.
"""

import uuid
from datetime import date, timedelta

import pytest

from collecte.metering.continuity import completeness_sql
from collecte.sources.enedis.batch import collect_batch, load_batch, plan_batches
from collecte.warehouse.db import connect
from sandbox.enedis import meters
from tests.integration.enedis.conftest import TODAY

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]
ALL = ["daily", "load_curve", "max_power", "index", "contract"]


def _meter(prm, kinds=ALL):
    return {"id": prm, "kinds": kinds, "directions": ["PROD"] if prm == meters.PRODUCER else ["CONS"]}


def _run(client, zone, url, meter_list, first, last, *, batch_size=4, span_days=None):
    loaded = []
    with connect(url, autocommit=True) as conn:
        for batch in plan_batches(meter_list, first, last, batch_size=batch_size, span_days=span_days):
            collected = collect_batch(client, zone, conn, batch, today=TODAY, threads=4)
            loaded.append((collected, load_batch(zone, conn, collected)))
    return loaded


def _status(url):
    with connect(url) as conn:
        return {(m, k): (s, nb) for m, k, s, nb in conn.execute(
            "SELECT meter_id, data_kind, status, not_before FROM meter_status")}


def test_each_demo_behaviour_gets_its_status(enedis, fast_client, raw_zone, pg_url):
    fixed = [_meter(p) for p in (meters.NORMAL, meters.GAPS, meters.CURVE_NOT_ACTIVATED, meters.CONSENT_REVOKED,
                                 meters.RECENT, meters.C4_10MIN, meters.CURVE_60MIN)]
    fixed.append(_meter(meters.PRODUCER, ["daily", "load_curve", "index"]))
    first, last = date(2026, 4, 27), date(2026, 5, 10)
    _run(fast_client, raw_zone, pg_url, fixed, first, last)
    status = _status(pg_url)
    assert {status[(meters.CONSENT_REVOKED, k)][0] for k in ALL} == {"NO_CONSENT"}
    assert enedis.state.stats.by_status[403] == 1  # flagged at the first refusal, nothing else asked
    assert status[(meters.CURVE_NOT_ACTIVATED, "load_curve")][0] == "NO_DATA"
    assert status[(meters.CURVE_NOT_ACTIVATED, "daily")][0] == "OK"
    for kind in ("daily", "load_curve", "max_power", "index"):
        assert status[(meters.RECENT, kind)] == ("HISTORY_WALL", meters.RECENT_ACTIVATION)
    with connect(pg_url) as conn:
        gaps = conn.execute("SELECT first_day, last_day FROM meter_gap WHERE meter_id = %s AND data_kind = "
                            "'load_curve' ORDER BY 1", (meters.CURVE_NOT_ACTIVATED,)).fetchall()
        assert gaps[0][0] == first and gaps[-1][1] == last
        recent = conn.execute("SELECT min(day), count(*) FROM daily_energy WHERE meter_id = %s",
                              (meters.RECENT,)).fetchone()
        assert recent == (meters.RECENT_ACTIVATION, 7)  # 4..10 May: the days after the wall are kept
        produced = conn.execute("SELECT direction, count(*) FROM daily_energy WHERE meter_id = %s GROUP BY 1",
                                (meters.PRODUCER,)).fetchall()
        assert produced == [("PROD", 14)]
        holed = conn.execute("SELECT count(*) FROM daily_energy WHERE meter_id = %s", (meters.GAPS,)).fetchone()[0]
        assert holed == 13  # Wednesday 2026-05-06 (odd ISO week 19) is missing
        gap_kinds = conn.execute("SELECT data_kind FROM meter_gap WHERE meter_id = %s AND first_day = '2026-05-06'"
                                 " AND last_day = '2026-05-06' ORDER BY 1", (meters.GAPS,)).fetchall()
        assert [k for (k,) in gap_kinds] == ["daily", "index", "load_curve", "max_power"]  # recorded, not failed
        contract = conn.execute("SELECT segment, fta, subscribed_powers_kva FROM meter_contract WHERE meter_id = %s",
                                (meters.C4_10MIN,)).fetchone()
        assert contract[0] == "C4" and contract[1] == "BTSUPCU" and set(contract[2]) == {"HPH", "HCH", "HPB", "HCB"}
    assert enedis.state.stats.rate_limited <= 1  # 4 threads sharing the process's limiter

    # the wall is remembered: a rerun of an older span does not ask Enedis before it again
    before_400 = enedis.state.stats.by_status[400]
    _run(fast_client, raw_zone, pg_url, [_meter(meters.RECENT)], date(2026, 4, 1), date(2026, 5, 10))
    assert enedis.state.stats.by_status[400] == before_400


def test_rerun_changes_nothing_and_lands_nothing(enedis, fast_client, raw_zone, pg_url):
    chosen = [_meter(meters.NORMAL), _meter(meters.C4_10MIN)]
    first = _run(fast_client, raw_zone, pg_url, chosen, date(2026, 10, 20), date(2026, 10, 27))
    assert sum(c["raw_created"] for c, _ in first) > 0 and sum(done["rows_changed"] for _, done in first) > 0
    objects = raw_zone.keys("raw/")
    again = _run(fast_client, raw_zone, pg_url, chosen, date(2026, 10, 20), date(2026, 10, 27))
    assert sum(c["raw_created"] for c, _ in again) == 0
    assert sum(done["rows_changed"] for _, done in again) == 0
    assert raw_zone.keys("raw/") == objects


def test_dst_days_are_complete_in_the_warehouse(enedis, fast_client, raw_zone, pg_url):
    chosen = [_meter(p, ["load_curve"]) for p in (meters.NORMAL, meters.C4_10MIN, meters.CURVE_60MIN)]
    _run(fast_client, raw_zone, pg_url, chosen, date(2026, 3, 28), date(2026, 3, 30))
    _run(fast_client, raw_zone, pg_url, chosen, date(2026, 10, 24), date(2026, 10, 26))
    with connect(pg_url) as conn:
        for prm, step in ((meters.NORMAL, 30), (meters.C4_10MIN, 10), (meters.CURVE_60MIN, 60)):
            days = {d.day: d for d in completeness_sql(conn, prm, date(2026, 3, 28), date(2026, 3, 30))
                    + completeness_sql(conn, prm, date(2026, 10, 24), date(2026, 10, 26))}
            assert days[date(2026, 3, 29)].found == 23 * 60 // step
            assert days[date(2026, 10, 25)].found == 25 * 60 // step
            assert all(d.complete for d in days.values())
            assert {d.interval_minutes for d in days.values()} == {step}


def test_day_by_day_backfill_equals_one_history_import(enedis, fast_client, raw_zone, pg_url, postgres_server):
    """collect_enedis runs one Paris day each; import_meter_history one span: the rows must be the same."""
    other_url = postgres_server.create_database(f"imp_{uuid.uuid4().hex[:8]}", template="collecte_template")
    chosen = [_meter(p) for p in (meters.NORMAL, meters.GAPS, meters.RECENT)]
    first, last = date(2026, 5, 2), date(2026, 5, 6)  # crosses the RECENT wall and a GAPS gap day
    day = first
    while day <= last:  # what `airflow backfill create` runs: one interval per day
        _run(fast_client, raw_zone, pg_url, chosen, day, day)
        day += timedelta(days=1)
    _run(fast_client, raw_zone, other_url, chosen, first, last, span_days=92)
    tables = {
        "daily_energy": "meter_id, day, direction, source, energy_wh, quality",
        "load_curve": "meter_id, interval_end, direction, interval_minutes, power_w, energy_wh, source",
        "max_power": "meter_id, day, direction, max_power_va, reached_at, source",
        "meter_index": "meter_id, reading_at, time_class, direction, index_wh, context, source",
        "meter_contract": "meter_id, source, segment, fta, tariff_option, subscribed_powers_kva, max_subscribed_kva,"
                          " off_peak_hours, status, last_activation_date, holder, address",
    }
    with connect(pg_url) as backfill, connect(other_url) as history:
        for table, columns in tables.items():
            query = f"SELECT {columns} FROM {table} ORDER BY {columns}"  # noqa: S608 - fixed names
            daily_rows, span_rows = backfill.execute(query).fetchall(), history.execute(query).fetchall()
            assert daily_rows, table
            assert daily_rows == span_rows, table
        walls = "SELECT meter_id, data_kind, not_before FROM meter_status ORDER BY 1, 2"
        assert backfill.execute(walls).fetchall() == history.execute(walls).fetchall()
