"""collect_pce against the ADICT sandbox, the raw zone on the S3 API server and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from collecte.metering.gas import staged_key
from collecte.sources.grdf import collect_pce
from collecte.sources.grdf.resources import published_window
from collecte.stages.metering import load_gas

pytestmark = [pytest.mark.services, pytest.mark.timeout(90)]

T2, T1, T3, REVOKED, PENDING = "21100000000001", "21100000000002", "GI000123", "21100000000003", "21100000000004"
ALL_KINDS = ["consumption", "daily", "contract", "technical"]


def test_normal_pce_lands_checks_stages_and_loads(adict, client, raw_zone, conn):
    today = adict.state.today()
    start, end = today - timedelta(days=40), today
    summary = collect_pce(client, T2, start, end, ALL_KINDS, raw_zone, conn, published_lookback_months=3,
                          today=today)
    assert summary.status == "OK", summary
    assert conn.execute("SELECT count(*) FROM gas_consumption").fetchone()[0] == 0, "the source only lands"
    loaded = load_gas(raw_zone, conn, summary.refs())
    assert not loaded.quarantined and not loaded.rejected_raw
    assert conn.execute("SELECT count(*), min(period_start), max(period_end) FROM gas_consumption"
                        " WHERE pce = %s AND kind = 'informative'", (T2,)).fetchone() == (40, start, end)
    published = conn.execute("SELECT period_start, period_end, status FROM gas_consumption WHERE pce = %s"
                             " AND kind = 'published' ORDER BY 1", (T2,)).fetchall()
    assert published and all(s.day == 1 and e.day == 1 for s, e, _ in published), "monthly periods (T2)"
    assert published[0][0] == published_window(start, end, 3)[0], "from the first of M-3 on"
    assert today - timedelta(days=33) <= published[-1][1] <= today - timedelta(days=2), "published at D+2"
    # kWh = m³ × coefficient on every row, within the rounding of the published figures
    worst = conn.execute("SELECT max(abs(energy_kwh - volume_m3 * conversion_coefficient)"
                         " - (0.5 + 0.005 * volume_m3)) FROM gas_consumption").fetchone()[0]
    assert worst <= 0
    assert conn.execute("SELECT min(conversion_coefficient) >= 9 AND max(conversion_coefficient) <= 12.5"
                        " FROM gas_consumption").fetchone()[0]
    # indexes continue from one day to the next
    assert conn.execute("SELECT count(*) FROM (SELECT index_start_m3, lag(index_end_m3) OVER (ORDER BY period_start)"
                        " AS previous FROM gas_consumption WHERE kind = 'informative') d"
                        " WHERE previous IS NOT NULL AND previous <> index_start_m3").fetchone()[0] == 0
    from sandbox.grdf.pce_data import profile

    truth = profile(T2)
    contract = conn.execute("SELECT tariff_option, last_activation_date, address FROM meter_contract"
                            " WHERE meter_id = %s AND source = 'grdf'", (T2,)).fetchone()
    assert contract == ("T2", truth.commissioned,
                        f"{truth.street.upper()}, {truth.postal_code} {truth.city.upper()}")
    assert conn.execute("SELECT car_kwh, reading_frequency FROM gas_contract WHERE pce = %s",
                        (T2,)).fetchone() == (85_000, "1M")
    # the staged Parquet holds exactly the loaded rows of its raw object
    import pyarrow.parquet as pq

    (raw,) = summary.kinds["daily"].raw_keys
    staged = staged_key(raw)
    table = pq.read_table(io.BytesIO(raw_zone.get(staged)))
    assert table.num_rows == 40 and set(table.column("raw_key").to_pylist()) == set(summary.kinds["daily"].raw_keys)
    statuses = dict(conn.execute("SELECT data_kind, status FROM meter_status WHERE meter_id = %s", (T2,)).fetchall())
    assert statuses == dict.fromkeys(ALL_KINDS, "OK")


def test_rerun_changes_nothing_and_lands_nothing(adict, client, raw_zone, conn):
    today = adict.state.today()
    args = (client, T3, today - timedelta(days=10), today, ALL_KINDS, raw_zone, conn)
    first = collect_pce(*args, published_lookback_months=3, today=today)
    assert load_gas(raw_zone, conn, first.refs()).rows_changed > 0 and first.raw_created == 4
    keys = raw_zone.keys("raw/")
    second = collect_pce(*args, published_lookback_months=3, today=today)
    assert (load_gas(raw_zone, conn, second.refs()).rows_changed, second.raw_created) == (0, 0)
    assert raw_zone.keys("raw/") == keys
    # a run on the next day of the same month asks the same published window: same answer, no new object
    third = collect_pce(client, T3, today - timedelta(days=9), today, ["consumption"], raw_zone, conn,
                        published_lookback_months=3, today=today)
    assert third.raw_created == 0 and load_gas(raw_zone, conn, third.refs()).rows_changed == 0


def test_t1_bimonthly_publication_and_history_limit(adict, client, raw_zone, conn):
    today = adict.state.today()
    start = date(today.year - 6, 1, 1)
    summary = collect_pce(client, T1, start, today, ["consumption", "daily"], raw_zone, conn, today=today)
    assert summary.status == "OK"
    load_gas(raw_zone, conn, summary.refs())
    assert any("perimeter" in note or "history limit" in note for note in summary.kinds["consumption"].notes)
    assert any("history limit" in note for note in summary.kinds["daily"].notes)
    assert not any(status == 400 for *_, status in adict.state.calls), "clamped before asking, no 400"
    assert len(summary.kinds["daily"].raw_keys) == 3, "3 years of informative data in 366-day calls"
    months = conn.execute("SELECT DISTINCT (period_end - period_start) > 56 FROM gas_consumption"
                          " WHERE pce = %s AND kind = 'published'", (T1,)).fetchall()
    assert months == [(True,)], "T1 periods last two months"
    oldest = conn.execute("SELECT min(period_start) FROM gas_consumption WHERE kind = 'informative'").fetchone()[0]
    assert oldest >= today.replace(year=today.year - 3)
    statuses = conn.execute("SELECT DISTINCT status FROM gas_consumption WHERE kind = 'informative'").fetchall()
    assert sorted(s for (s,) in statuses) == ["definitive", "provisional"]


def test_demo_pces_behave_as_documented(adict, client, raw_zone, conn):
    today = adict.state.today()
    outcome = {pce: collect_pce(client, pce, today - timedelta(days=3), today, ["daily"], raw_zone, conn, today=today)
               for pce in (T2, T1, T3, REVOKED, PENDING)}
    assert {pce: s.status for pce, s in outcome.items()} == {
        T2: "OK", T1: "OK", T3: "OK", REVOKED: "NO_ACCESS_RIGHT", PENDING: "NO_ACCESS_RIGHT"}
    assert "Révoquée" in outcome[REVOKED].reason and "A valider" in outcome[PENDING].reason
    flagged = conn.execute("SELECT meter_id, status FROM meter_status WHERE status <> 'OK' ORDER BY 1").fetchall()
    assert flagged == [(REVOKED, "NO_CONSENT"), (PENDING, "NO_CONSENT")]
