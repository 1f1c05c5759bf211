"""Coverage queries on a real warehouse: day states per meter and kind, month states per account."""

from __future__ import annotations

from collections import Counter
from datetime import date

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
from tests.integration.coverage.seed import NOW, PCE, PRM, seed_coverage

pytestmark = pytest.mark.services


@pytest.fixture
def seeded(pg_url: str):
    with connect(pg_url, autocommit=True) as conn:
        seed_coverage(conn)
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
