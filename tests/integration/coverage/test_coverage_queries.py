"""Coverage queries on a real warehouse: day states per meter and kind, month states per account."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from collecte.coverage.calendar import DayState, MonthState
from collecte.coverage.queries import (
    Filters,
    account_months,
    meter_days,
    meter_series,
    meter_summaries,
    raw_objects_of_day,
    registry,
)
from collecte.warehouse.db import connect

pytestmark = pytest.mark.services
PARIS = ZoneInfo("Europe/Paris")
PRM, PCE = "12345678901234", "GI123456"
NOW = datetime(2026, 5, 25, 12, tzinfo=UTC)


def _curve_day(conn, day: date, minutes_kept: int | None = None) -> None:
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), PARIS).astimezone(UTC)
    t, rows = start, []
    while t < end and (minutes_kept is None or (t - start) < timedelta(minutes=minutes_kept)):
        t += timedelta(minutes=30)
        rows.append((PRM, t, "CONS", 30, 1000, 500.0, "enedis", f"raw/c/{day}.json"))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO load_curve VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)


@pytest.fixture
def seeded(pg_url: str):
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO organization (id, name) VALUES ('o1', 'Ville de Test'), ('o2', 'Autre')")
        conn.execute("INSERT INTO entity (id, organization_id, name) VALUES ('e1', 'o1', 'Mairie'), ('e2', 'o2', 'X')")
        conn.execute("INSERT INTO site (id, entity_id, name) VALUES ('s1', 'e1', 'École'), ('s2', 'e2', 'Y')")
        conn.execute("INSERT INTO meter (id, site_id, operator, energy, point_kind) VALUES "
                     "(%s, 's1', 'enedis', 'electricity', 'PRM'), (%s, 's1', 'grdf', 'gas', 'PCE')", (PRM, PCE))
        conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id, site_id) "
                     "VALUES ('volta', 'ACC1', 'e1', 's1')")
        for d in range(1, 11):
            if d != 5:
                conn.execute("INSERT INTO daily_energy VALUES (%s, %s, 'CONS', 'enedis', 12000, 'BRUT', 'raw/d.json')",
                             (PRM, date(2026, 3, d)))
        conn.execute("INSERT INTO meter_status (operator, meter_id, data_kind, status, not_before) "
                     "VALUES ('enedis', %s, 'daily', 'HISTORY_WALL', '2026-03-03')", (PRM,))
        _curve_day(conn, date(2026, 3, 28))
        _curve_day(conn, date(2026, 3, 29))          # 23 hours: 46 points make it complete
        _curve_day(conn, date(2026, 3, 30), minutes_kept=600)
        conn.execute("INSERT INTO max_power VALUES (%s, '2026-03-28', 'CONS', 7000, '2026-03-28T18:00:00Z', "
                     "'enedis', 'raw/m.json')", (PRM,))
        conn.execute("INSERT INTO meter_contract (meter_id, source, max_subscribed_kva, raw_key) VALUES (%s, 'enedis', 9, 'raw/k.json')", (PRM,))
        conn.execute("INSERT INTO gas_consumption (pce, period_start, period_end, kind, volume_m3, "
                     "conversion_coefficient, energy_kwh, status, raw_key) VALUES "
                     "(%s, '2026-03-01', '2026-03-08', 'informative', 10, 11.2, 112, 'provisional', 'raw/g.json')",
                     (PCE,))
        for number, status, start, end in (("F1", "ok", "2026-01-01", "2026-01-31"),
                                           ("F2", "needs_review", "2026-02-01", "2026-02-28")):
            conn.execute("INSERT INTO invoice (supplier, invoice_number, document_type, invoice_date, customer_account, "
                         "energy, total_excl_tax, total_vat, total_incl_tax, site_count, status, source, raw_key) "
                         "VALUES ('volta', %s, 'invoice', %s, 'ACC1', 'electricity', 1, 0.2, 1.2, 1, %s, 't', %s)",
                         (number, end, status, f"raw/source=volta/kind=invoice_pdf/account=ACC1/received={end}/{number}.pdf"))
            conn.execute("INSERT INTO invoice_site (supplier, invoice_number, meter_id, position, period_start, "
                         "period_end, consumption_kwh, total_excl_tax) VALUES ('volta', %s, %s, 1, %s, %s, 10, 1)",
                         (number, PRM, start, end))
        conn.execute("INSERT INTO quarantine_record (raw_key, record_ref, dataset, reason) VALUES "
                     "('raw/source=volta/kind=invoice_pdf/account=ACC1/received=2026-04-10/abc.pdf', '*', 'invoice', "
                     "'truncated PDF')")
        yield conn


def test_daily_energy_states_follow_rows_wall_and_publication(seeded) -> None:
    states = meter_days(seeded, PRM, "daily_energy", date(2026, 3, 1), date(2026, 3, 12), NOW)
    assert states[date(2026, 3, 1)] is DayState.COMPLETE       # data before the wall still counts
    assert states[date(2026, 3, 5)] is DayState.MISSING
    assert states[date(2026, 3, 11)] is DayState.MISSING
    # a missing day before the history wall cannot exist at the operator
    wall = meter_days(seeded, PRM, "daily_energy", date(2026, 2, 27), date(2026, 2, 28), NOW)
    assert set(wall.values()) == {DayState.NOT_COVERED}
    later = meter_days(seeded, PRM, "daily_energy", date(2026, 5, 23), date(2026, 5, 25), NOW)
    assert later == {date(2026, 5, 23): DayState.MISSING, date(2026, 5, 24): DayState.MISSING,
                     date(2026, 5, 25): DayState.NOT_DUE}


def test_load_curve_day_lengths_count_dst(seeded) -> None:
    states = meter_days(seeded, PRM, "load_curve", date(2026, 3, 27), date(2026, 3, 30), NOW)
    assert states == {date(2026, 3, 27): DayState.MISSING, date(2026, 3, 28): DayState.COMPLETE,
                      date(2026, 3, 29): DayState.COMPLETE, date(2026, 3, 30): DayState.PARTIAL}
    assert raw_objects_of_day(seeded, PRM, "load_curve", date(2026, 3, 30)) == ["raw/c/2026-03-30.json"]


def test_gas_days_are_covered_by_periods(seeded) -> None:
    states = meter_days(seeded, PCE, "gas_day", date(2026, 3, 6), date(2026, 3, 9), NOW)
    assert [states[date(2026, 3, d)] for d in (6, 7, 8, 9)] == \
        [DayState.COMPLETE, DayState.COMPLETE, DayState.MISSING, DayState.MISSING]


def test_invoice_months(seeded) -> None:
    months = account_months(seeded, [("volta", "ACC1")], date(2026, 1, 1), date(2026, 5, 31), NOW)[("volta", "ACC1")]
    assert {m: c["state"] for m, c in months.items()} == {
        "2026-01": MonthState.PRESENT, "2026-02": MonthState.NEEDS_REVIEW, "2026-03": MonthState.QUARANTINED,
        "2026-04": MonthState.MISSING, "2026-05": MonthState.NOT_DUE}
    assert months["2026-01"]["invoices"][0]["number"] == "F1"
    assert months["2026-03"]["quarantined"][0]["reason"] == "truncated PDF"


def test_registry_tree_filters_and_summaries(seeded) -> None:
    tree = registry(seeded, Filters(date(2026, 3, 1), date(2026, 3, 10), organization="o1"))
    assert [o.organization_id for o in tree] == ["o1"]
    site = tree[0].entities["e1"][1][0]
    assert sorted(m.meter_id for m in site.meters) == sorted([PCE, PRM])
    assert [(a.supplier, a.account_id) for a in site.accounts] == [("volta", "ACC1")]
    meter_summaries(seeded, site.meters, Filters(date(2026, 3, 1), date(2026, 3, 10)), NOW)
    prm = next(m for m in site.meters if m.meter_id == PRM)
    assert prm.summary["daily_energy"][DayState.COMPLETE] == 9
    assert prm.summary["daily_energy"][DayState.MISSING] == 1
    assert "gas_day" not in prm.summary
    only_gas = registry(seeded, Filters(date(2026, 3, 1), date(2026, 3, 10), operator="grdf"))
    assert [o.organization_id for o in only_gas] == ["o1"]  # o2 has no gas meter: pruned
    assert [m.meter_id for m in only_gas[0].entities["e1"][1][0].meters] == [PCE]
    assert only_gas[0].entities["e1"][1][0].accounts == []


def test_meter_series(seeded) -> None:
    series = meter_series(seeded, PRM, date(2026, 3, 28), date(2026, 3, 29))
    assert len(series.curve) == 48 + 46
    assert series.max_power == [(date(2026, 3, 28), 7000.0)]
    assert series.subscribed_kva == 9.0


@pytest.mark.parametrize("first,last", [(date(2026, 2, 20), date(2026, 3, 12)), (date(2026, 3, 25), date(2026, 4, 2)),
                                        (date(2026, 5, 20), date(2026, 6, 3)), (date(2026, 3, 5), date(2026, 3, 5))])
def test_summary_counts_equal_the_day_by_day_states(seeded, first: date, last: date) -> None:
    """The aggregate counts of the overview agree with the per-day states of the meter page."""
    # a second wall after the last due day, to exercise the overlap of "before wall" and "not yet due"
    seeded.execute("INSERT INTO meter_status (operator, meter_id, data_kind, status, not_before) "
                   "VALUES ('enedis', %s, 'load_curve', 'HISTORY_WALL', '2026-05-28')", (PRM,))
    tree = registry(seeded, Filters(first, last))
    meters = [m for o in tree for _, sites in o.entities.values() for s in sites for m in s.meters]
    meter_summaries(seeded, meters, Filters(first, last), NOW)
    for meter in meters:
        for kind, counts in meter.summary.items():
            expected = meter_days(seeded, meter.meter_id, kind, first, last, NOW)
            assert min(counts.values()) >= 0, (meter.meter_id, kind, counts)
            assert +counts == Counter(expected.values()), (meter.meter_id, kind)
