"""Due days, DST day lengths and the SVG figures (well-formed, one cell per day, states as data)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from collecte.coverage.calendar import (
    METER_KINDS,
    DayState,
    MonthState,
    day_minutes,
    days_between,
    last_due_day,
    months_between,
)
from collecte.coverage.queries import day_state
from collecte.coverage.svg import bar_plot, calendar_heatmap, legend, line_plot, month_grid

SVG = "{http://www.w3.org/2000/svg}"


def test_enedis_day_is_due_from_next_day_0830_paris() -> None:
    curve = METER_KINDS["load_curve"]
    # 2026-11-30 08:29 Paris = 07:29 UTC: day 29 not yet published, 28 is
    assert last_due_day(curve, datetime(2026, 11, 30, 7, 29, tzinfo=UTC)) == date(2026, 11, 28)
    assert last_due_day(curve, datetime(2026, 11, 30, 7, 31, tzinfo=UTC)) == date(2026, 11, 29)


def test_paris_day_lengths() -> None:
    assert day_minutes(date(2026, 3, 29)) == 23 * 60
    assert day_minutes(date(2026, 10, 25)) == 25 * 60
    assert day_minutes(date(2026, 6, 1)) == 24 * 60


def test_day_state_rules() -> None:
    due, wall = date(2026, 6, 10), date(2026, 6, 2)
    assert day_state(date(2026, 6, 5), 1440, due_until=due, wall=wall) is DayState.COMPLETE
    assert day_state(date(2026, 6, 5), 600, due_until=due, wall=wall) is DayState.PARTIAL
    assert day_state(date(2026, 6, 5), 0, due_until=due, wall=wall) is DayState.MISSING
    assert day_state(date(2026, 6, 11), 0, due_until=due, wall=wall) is DayState.NOT_DUE
    assert day_state(date(2026, 6, 1), 0, due_until=due, wall=wall) is DayState.NOT_COVERED
    # the fall-back day needs 25 hours to be complete
    assert day_state(date(2026, 10, 25), 1440, due_until=date(2026, 11, 1), wall=None) is DayState.PARTIAL


def test_months_between_crosses_years() -> None:
    assert months_between(date(2025, 11, 15), date(2026, 2, 1)) == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_heatmap_has_one_cell_per_day_with_its_state_and_marks_dst() -> None:
    days = days_between(date(2026, 3, 1), date(2026, 4, 30))
    states = {d: (DayState.MISSING if d.day == 13 else DayState.COMPLETE) for d in days}
    root = ET.fromstring(calendar_heatmap(states, title="PRM <1>", links={date(2026, 3, 13): "/x?a=1&b=2"}))
    cells = {r.get("data-day"): r for r in root.iter(f"{SVG}rect")}
    assert len(cells) == len(days)
    assert cells["2026-03-13"].get("data-state") == "missing"
    assert cells["2026-03-29"].get("stroke")  # spring-forward day outlined
    assert cells["2026-03-28"].get("stroke") is None
    links = [a for a in root.iter(f"{SVG}a")]
    assert len(links) == 1 and links[0].get("href") == "/x?a=1&b=2"


def test_month_grid_and_plots_are_well_formed() -> None:
    cells = {"2026-01": {"state": MonthState.PRESENT, "invoices": [{"number": "F1"}]},
             "2026-02": {"state": MonthState.MISSING, "invoices": []}}
    root = ET.fromstring(month_grid(cells, title="volta 123"))
    assert {r.get("data-month"): r.get("data-state") for r in root.iter(f"{SVG}rect")} == \
        {"2026-01": "present", "2026-02": "missing"}
    points = [(datetime(2026, 3, 29, h, tzinfo=UTC), float(h * 100)) for h in range(24)]
    plot = ET.fromstring(line_plot(points, title="courbe", unit="W", reference=3000, reference_label="9 kVA",
                                   marks=[datetime(2026, 3, 29, 1, tzinfo=UTC)]))
    assert len(list(plot.iter(f"{SVG}path"))) == 1
    assert any("changement" in (t.text or "") for t in plot.iter(f"{SVG}title"))
    bars = ET.fromstring(bar_plot([(date(2026, 10, 24), 1000.0), (date(2026, 10, 25), 2000.0)], title="E", unit="Wh"))
    assert len(list(bars.iter(f"{SVG}rect"))) == 2
    ET.fromstring(legend([DayState.COMPLETE, DayState.MISSING]))
