"""Server-side SVG: calendar heatmaps, month grids and simple plots, with no script and no CDN.

Every figure is a self-contained `<svg>` string (escaped text, `<title>` tooltips), so the pages
render offline and in any browser; colours follow one palette per state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from html import escape

from collecte.coverage.calendar import DayState, MonthState, is_dst_change

STATE_COLOURS: dict[str, str] = {
    DayState.COMPLETE: "#2e7d32", DayState.PARTIAL: "#f9a825", DayState.MISSING: "#c62828",
    DayState.NOT_DUE: "#e0e0e0", DayState.NOT_COVERED: "#9e9e9e",
    MonthState.PRESENT: "#2e7d32", MonthState.NEEDS_REVIEW: "#ef6c00", MonthState.QUARANTINED: "#6a1b9a",
}
STATE_LABELS: dict[str, str] = {
    DayState.COMPLETE: "complet", DayState.PARTIAL: "partiel", DayState.MISSING: "manquant",
    DayState.NOT_DUE: "pas encore publié", DayState.NOT_COVERED: "avant la mise en service",
    MonthState.PRESENT: "facture présente", MonthState.NEEDS_REVIEW: "à vérifier",
    MonthState.QUARANTINED: "en quarantaine",
}
CELL, GAP = 12, 2
MONTHS_FR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def _num(value: float) -> str:
    """A number the French way: 12 345."""
    return f"{value:,.0f}".replace(",", "\u202f")


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
            f'font-family="sans-serif" font-size="10">' + "".join(body) + "</svg>")


def legend(states: Sequence[str]) -> str:
    """A one-line legend of the given states."""
    body, x = [], 0
    for state in states:
        body.append(f'<rect x="{x}" y="2" width="{CELL}" height="{CELL}" fill="{STATE_COLOURS[state]}"/>'
                    f'<text x="{x + CELL + 4}" y="{CELL}">{escape(STATE_LABELS[state])}</text>')
        x += CELL + 10 + 7 * len(STATE_LABELS[state])
    return _svg(x, CELL + 4, body, "légende")


def calendar_heatmap(states: Mapping[date, str], *, title: str, links: Mapping[date, str] | None = None) -> str:
    """Weeks as columns, Monday..Sunday as rows; one square per day coloured by its state.

    Days of a DST change (23 or 25 hours) get an outline, so a "partial" there is not mistaken
    for a missing hour. `links` makes a day clickable (drill-down).
    """
    if not states:
        return _svg(200, 20, ['<text x="0" y="14">aucun jour</text>'], title)
    first, last = min(states), max(states)
    origin = first - timedelta(days=first.weekday())
    weeks = (last - origin).days // 7 + 1
    top, left = 14, 24
    body = [f'<text x="0" y="10" font-weight="bold">{escape(title)}</text>']
    for row, name in enumerate(("lun", "", "mer", "", "ven", "", "dim")):
        if name:
            body.append(f'<text x="0" y="{top + row * (CELL + GAP) + CELL - 2}">{name}</text>')
    for day, state in sorted(states.items()):
        col, row = (day - origin).days // 7, day.weekday()
        x, y = left + col * (CELL + GAP), top + row * (CELL + GAP)
        outline = ' stroke="#1565c0" stroke-width="2"' if is_dst_change(day) else ""
        tip = f"{day.isoformat()} : {STATE_LABELS.get(state, state)}" + (" (changement d'heure)" if outline else "")
        cell = (f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" fill="{STATE_COLOURS[state]}"'
                f'{outline} data-day="{day.isoformat()}" data-state="{state}"><title>{escape(tip)}</title></rect>')
        href = (links or {}).get(day)
        body.append(f'<a href="{escape(href)}">{cell}</a>' if href else cell)
    for col in range(weeks):
        monday = origin + timedelta(days=7 * col)
        if monday.day <= 7:
            body.append(f'<text x="{left + col * (CELL + GAP)}" y="{top + 7 * (CELL + GAP) + 10}">'
                        f'{MONTHS_FR[monday.month - 1]}</text>')
    return _svg(left + weeks * (CELL + GAP) + 4, top + 7 * (CELL + GAP) + 14, body, title)


def month_grid(cells: Mapping[str, Mapping[str, object]], *, title: str) -> str:
    """One square per month (YYYY-MM), years as rows, coloured by the month's invoice state."""
    if not cells:
        return _svg(200, 20, ['<text x="0" y="14">aucun mois</text>'], title)
    years = sorted({m[:4] for m in cells})
    big = 22
    body = [f'<text x="0" y="10" font-weight="bold">{escape(title)}</text>']
    for i, name in enumerate(MONTHS_FR):
        body.append(f'<text x="{40 + i * (big + GAP)}" y="26">{name[:3]}</text>')
    for r, year in enumerate(years):
        y = 30 + r * (big + GAP)
        body.append(f'<text x="0" y="{y + 15}">{year}</text>')
        for month, cell in cells.items():
            if month[:4] != year:
                continue
            x = 40 + (int(month[5:]) - 1) * (big + GAP)
            state = str(cell["state"])
            numbers = ", ".join(str(i["number"]) for i in cell.get("invoices", []))  # type: ignore[union-attr]
            tip = f"{month} : {STATE_LABELS.get(state, state)}" + (f" ({numbers})" if numbers else "")
            body.append(f'<rect x="{x}" y="{y}" width="{big}" height="{big}" rx="3" fill="{STATE_COLOURS[state]}" '
                        f'data-month="{month}" data-state="{state}"><title>{escape(tip)}</title></rect>')
    return _svg(40 + 12 * (big + GAP), 34 + len(years) * (big + GAP), body, title)


def line_plot(points: Sequence[tuple[datetime, float]], *, title: str, unit: str,
              reference: float | None = None, reference_label: str = "", marks: Sequence[datetime] = (),
              span: tuple[datetime, datetime] | None = None, width: int = 720, height: int = 220) -> str:
    """A line of (time, value) over `span` (default: the points' own), an optional horizontal reference
    (e.g. subscribed power), and vertical marks (e.g. the DST changes inside the period)."""
    left, right, top, bottom = 56, 10, 18, 26
    if not points:
        return _svg(width, 40, [f'<text x="0" y="14">{escape(title)} : aucune donnée</text>'], title)
    t0, t1 = span or (points[0][0], points[-1][0])
    span = max((t1 - t0).total_seconds(), 1.0)
    vmax = max([v for _, v in points] + ([reference] if reference else [])) or 1.0
    def x(t: datetime) -> float:
        return left + (t - t0).total_seconds() / span * (width - left - right)
    def y(v: float) -> float:
        return top + (1 - v / vmax) * (height - top - bottom)
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(t):.1f},{y(v):.1f}" for i, (t, v) in enumerate(points))
    body = [f'<text x="0" y="12" font-weight="bold">{escape(title)}</text>',
            f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#999"/>',
            f'<text x="2" y="{top + 8}">{_num(vmax)} {escape(unit)}</text>',
            f'<path d="{path}" fill="none" stroke="#1565c0" stroke-width="1.2"/>']
    if reference:
        body.append(f'<line x1="{left}" y1="{y(reference):.1f}" x2="{width - right}" y2="{y(reference):.1f}" '
                    f'stroke="#c62828" stroke-dasharray="4 3"/><text x="{width - right - 150}" '
                    f'y="{y(reference) - 3:.1f}" fill="#c62828">{escape(reference_label)}</text>')
    for mark in marks:
        body.append(f'<line x1="{x(mark):.1f}" y1="{top}" x2="{x(mark):.1f}" y2="{height - bottom}" '
                    f'stroke="#6a1b9a" stroke-dasharray="2 2"><title>changement d\'heure</title></line>')
    body.append(f'<text x="{left}" y="{height - 8}">{escape(t0.strftime("%Y-%m-%d %H:%M"))}</text>'
                f'<text x="{width - right - 90}" y="{height - 8}">{escape(t1.strftime("%Y-%m-%d %H:%M"))}</text>')
    return _svg(width, height, body, title)


def bar_plot(values: Sequence[tuple[date, float]], *, title: str, unit: str, reference: float | None = None,
             reference_label: str = "", days: tuple[date, date] | None = None, width: int = 720,
             height: int = 180) -> str:
    """One bar per day (e.g. daily energy, daily max power) in a slot per day of `days` (default: one slot
    per value), so a missing day is an empty slot; DST days outlined; an optional horizontal reference
    (e.g. the subscribed power)."""
    left, top, bottom = 56, 18, 22
    if not values:
        return _svg(width, 40, [f'<text x="0" y="14">{escape(title)} : aucune donnée</text>'], title)
    vmax = max([v for _, v in values] + ([reference] if reference else [])) or 1.0
    first = days[0] if days else None
    slots = (days[1] - days[0]).days + 1 if days else len(values)
    step = (width - left - 10) / slots
    body = [f'<text x="0" y="12" font-weight="bold">{escape(title)}</text>',
            f'<text x="2" y="{top + 8}">{_num(vmax)} {escape(unit)}</text>']
    if reference:
        y_ref = height - bottom - reference / vmax * (height - top - bottom)
        body.append(f'<line x1="{left}" y1="{y_ref:.1f}" x2="{width - 10}" y2="{y_ref:.1f}" stroke="#c62828" '
                    f'stroke-dasharray="4 3"/><text x="{width - 160}" y="{y_ref - 3:.1f}" fill="#c62828">'
                    f'{escape(reference_label)}</text>')
    for i, (day, value) in enumerate(values):
        if first is not None:
            i = (day - first).days  # noqa: PLW2901 (the slot of the day, not the value's rank)
        h = value / vmax * (height - top - bottom)
        outline = ' stroke="#6a1b9a" stroke-width="1.5"' if is_dst_change(day) else ""
        body.append(f'<rect x="{left + i * step:.1f}" y="{height - bottom - h:.1f}" width="{max(step - 1, 1):.1f}" '
                    f'height="{h:.1f}" fill="#1565c0"{outline}><title>{day.isoformat()} : {_num(value)} '
                    f'{escape(unit)}</title></rect>')
    ends = days or (values[0][0], values[-1][0])
    body.append(f'<text x="{left}" y="{height - 6}">{ends[0].isoformat()}</text>'
                f'<text x="{width - 80}" y="{height - 6}">{ends[1].isoformat()}</text>')
    return _svg(width, height, body, title)
