"""Collection of the demo PRMs against the sandbox, into a real raw zone (S3 API) and warehouse.

Proves: each behaviour's status (consent revoked, curve not activated, production only, history wall,
gaps), walls remembered, idempotent reruns, rate-limit compliance, DST point counts in the warehouse,
and that day-by-day runs (a backfill of collect_enedis) give the same rows as one history import.
"""

import uuid
from datetime import date, timedelta

import pytest

from collecte.metering.continuity import completeness_sql
from collecte.sources.enedis.batch import collect_batch, load_batch, plan_batches, raise_if_failed
from collecte.warehouse.db import connect
from sandbox.enedis import meters
from tests.integration.enedis.conftest import TODAY

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]
ALL = ["daily", "load_curve", "max_power", "index", "contract"]


def _meter(prm, kinds=ALL):
    directions = {meters.PRODUCER: ["PROD"], meters.SELF_CONSUMPTION: ["CONS", "PROD"]}.get(prm, ["CONS"])
    return {"id": prm, "kinds": kinds, "directions": directions}


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
    assert status[(meters.CURVE_NOT_ACTIVATED, "load_curve")][0] == "CURVE_NOT_ACTIVATED"  # ADAM-ERR0075
    assert status[(meters.CURVE_NOT_ACTIVATED, "daily")][0] == "OK"
    assert enedis.state.stats.by_status.get(500, 0) == 0  # every request was inside the Swagger
    for kind in ("daily", "load_curve", "max_power", "index"):
        assert status[(meters.RECENT, kind)] == ("HISTORY_WALL", meters.RECENT_ACTIVATION)
    with connect(pg_url) as conn:
        gaps = conn.execute("SELECT count(*) FROM meter_gap WHERE meter_id = %s AND data_kind = 'load_curve'",
                            (meters.CURVE_NOT_ACTIVATED,)).fetchone()[0]
        assert gaps == 0  # not a gap: the recording is off, flagged once, not asked day after day
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
        contract = conn.execute("SELECT segment, fta, subscribed_powers_kva, max_subscribed_kva, last_activation_date,"
                                " off_peak_hours, injection_contract FROM meter_contract WHERE meter_id = %s",
                                (meters.C4_10MIN,)).fetchone()
        assert contract == ("C4", "Tarif BT>36kVA Courte Utilisation", {"BASE": 120.0}, 120,
                            date(2019, 3, 12), "HC (22H00-6H00)", None)
    assert enedis.state.stats.rate_limited <= 1  # 4 threads sharing the process's limiter

    # the wall is remembered: a rerun of an older span does not ask Enedis before it again
    before_400 = enedis.state.stats.by_status[400]
    _run(fast_client, raw_zone, pg_url, [_meter(meters.RECENT)], date(2026, 4, 1), date(2026, 5, 10))
    assert enedis.state.stats.by_status[400] == before_400


def test_self_consumption_keeps_withdrawal_and_records_injection(enedis, fast_client, raw_zone, pg_url):
    _run(fast_client, raw_zone, pg_url, [_meter(meters.SELF_CONSUMPTION, ["daily", "contract"])],
         date(2026, 10, 1), date(2026, 10, 7))
    with connect(pg_url) as conn:
        row = conn.execute("SELECT segment, subscribed_powers_kva, max_subscribed_kva, last_activation_date,"
                           " injection_contract FROM meter_contract WHERE meter_id = %s",
                           (meters.SELF_CONSUMPTION,)).fetchone()
        flows = conn.execute("SELECT direction, count(*) FROM daily_energy WHERE meter_id = %s GROUP BY 1 ORDER BY 1",
                             (meters.SELF_CONSUMPTION,)).fetchall()
    assert row[:4] == ("C5", {"BASE": 12.0}, 12, date(2014, 1, 22))  # the withdrawal contract (GRD-F)
    assert row[4] == {"contract_type": "Contrat GRD-A", "segment": "P4", "contract_start": "2014-01-22T00:00:00+0100",
                      "generation_last_activation_date": "2014-01-22T00:00:00+0100"}
    assert flows == [("CONS", 7), ("PROD", 7)]


def test_api_not_subscribed_is_flagged_and_not_retried(enedis, raw_zone, pg_url):
    from collecte.sources.enedis import dataconnect
    from collecte.sources.enedis.dataconnect import DataConnectClient
    from collecte.sources.enedis.errors import ApiNotSubscribed
    from sandbox.enedis.state import CLIENT_SECRET, UNSUBSCRIBED_CLIENT_ID

    dataconnect._UNSUBSCRIBED.clear()  # noqa: SLF001 - a fresh process
    client = DataConnectClient(enedis.base_url, UNSUBSCRIBED_CLIENT_ID, CLIENT_SECRET, calls_per_second=40,
                               backoff_base=0.01)
    chosen = [_meter(meters.NORMAL, ["load_curve", "contract"]), _meter(meters.GAPS, ["load_curve", "contract"])]
    [batch] = plan_batches(chosen, date(2026, 10, 1), date(2026, 10, 20), batch_size=4)
    with connect(pg_url, autocommit=True) as conn, pytest.raises(ApiNotSubscribed, match="not retried") as raised:
        raise_if_failed(collect_batch(client, raw_zone, conn, batch, today=TODAY, threads=1))
    assert not raised.value.retryable
    status = _status(pg_url)
    assert status[(meters.NORMAL, "load_curve")][0] == status[(meters.GAPS, "contract")][0] == "API_NOT_SUBSCRIBED"
    # 900908 once per API: the process does not call an unsubscribed API again
    assert enedis.state.stats.by_status[403] == 2 and client.retried == 0
    landed = {key.split("/")[2] for key in raw_zone.keys("raw/source=enedis/")}
    assert landed == {"kind=situation_contrat_auto", "kind=synth_contrat_auto", "kind=donnees_generales_auto"}
    dataconnect._UNSUBSCRIBED.clear()  # noqa: SLF001


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
