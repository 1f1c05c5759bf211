"""Tables by x-position: columns from the header labels, rows from the key column.

Column ``i`` spans from its header label's left edge to the next header label's left edge
(minus a small pad): values may be left-aligned under the label or right-aligned further
right, as long as they stay before the next column's label — which is how these invoices are
drawn. Columns are measured again at every repeated header (a table continued on the next
page), so a layout shifted by a few points still reads. A row is a line whose key column
parses as a number; lines with only label text within ``attach_dy`` of a row are its wrapped
label (above or below the values); other label-only lines are section titles and are ignored.

Why not tabula here: these layouts have no ruling lines and tabula's stream mode guesses
columns from whitespace per page (about 0.07 s per page warm, plus a JVM per process),
whereas the header labels give the columns exactly and pdfium's runs are already the cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from collecte.invoices.layout import Line
from collecte.invoices.pdftext import Chunk
from collecte.invoices.template import TableSpec, rx


@dataclass(slots=True)
class Row:
    """One table row: text per column and the runs behind each cell."""

    cells: dict[str, str]
    boxes: dict[str, list[Chunk]]
    line: Line
    above: list[Line] = field(default_factory=list)
    below: list[Line] = field(default_factory=list)

    def get(self, column: str) -> str:
        """The cell's text ('' when empty)."""
        return self.cells.get(column, "")


@dataclass(slots=True)
class _Columns:
    names: list[str]
    starts: list[float]
    header_bottom: float
    page: int

    def assign(self, chunk: Chunk) -> str | None:
        x = chunk.xc
        best = None
        for name, start in zip(self.names, self.starts, strict=True):
            if x >= start:
                best = name
        return best


def _columns(spec: TableSpec, lines: list[Line], at: int) -> _Columns | None:
    """Measure the columns from the header band around line ``at``."""
    anchor_line = lines[at]
    band = [
        ln for ln in lines if ln.page == anchor_line.page and abs(ln.yc - anchor_line.yc) <= spec.header_band
    ]
    runs = sorted((c for ln in band for c in ln.chunks), key=lambda c: (c.x0, c.yc))
    found: list[tuple[float, str]] = []
    for name, col in spec.columns.items():
        pattern = rx(col.header)
        hits = [c for c in runs if pattern.search(c.text)]
        if len(hits) < col.nth:
            return None
        found.append((hits[col.nth - 1].x0, name))
    found.sort()
    starts = [x - spec.column_pad for x, _ in found]
    starts[0] = -1.0
    bottom = max(ln.yc for ln in band)
    return _Columns([n for _, n in found], starts, bottom, anchor_line.page)


def _is_header(spec: TableSpec, line: Line) -> bool:
    pattern = rx(spec.header)
    return any(pattern.search(c.text) for c in line.chunks)


def _header_on_page(spec: TableSpec, lines: list[Line], k: int) -> int | None:
    """Index of the table's header line on the page of ``lines[k]``, from ``k`` on (None if absent)."""
    page = lines[k].page
    for h in range(k, len(lines)):
        if lines[h].page != page:
            return None
        if _is_header(spec, lines[h]):
            return h
    return None


def find_table(spec: TableSpec, lines: list[Line], start: int = 0) -> tuple[list[Row], int]:
    """Read the first table matching ``spec`` in ``lines`` from ``start``.

    Returns the rows and the index of the line after the table (or ``start`` if not found).
    """
    i = next((k for k in range(start, len(lines)) if _is_header(spec, lines[k])), None)
    if i is None:
        return [], start
    cols = _columns(spec, lines, i)
    if cols is None:
        return [], start
    ends = [rx(p) for p in spec.end]
    skips = [rx(p) for p in spec.skip]
    body: list[tuple[Line, dict[str, list[Chunk]]]] = []
    k = i + 1
    last_y: tuple[int, float] = (cols.page, cols.header_bottom)
    while k < len(lines):
        ln = lines[k]
        if ln.page == cols.page and ln.yc <= cols.header_bottom:
            k += 1
            continue
        if ln.page != cols.page:
            # a new page: the table resumes under its repeated header when there is one
            # (anything above it is page furniture or a title), else from the top
            again = _header_on_page(spec, lines, k)
            new = _columns(spec, lines, again) if again is not None else None
            if new is not None:
                cols = new
                last_y = (cols.page, cols.header_bottom)
                k = again + 1
                continue
            cols.page = ln.page
            cols.header_bottom = -1.0
        if any(p.search(ln.first.text) for p in ends):
            break
        if ln.page == last_y[0] and ln.yc - last_y[1] > spec.max_row_gap:
            break
        cells: dict[str, list[Chunk]] = {}
        for c in ln.chunks:
            name = cols.assign(c)
            if name is not None:
                cells.setdefault(name, []).append(c)
        body.append((ln, cells))
        key_text = " ".join(c.text for c in cells.get(spec.key, []))
        if rx(spec.key_pattern).search(key_text):
            last_y = (ln.page, ln.yc)
        k += 1
    return _rows(spec, body, skips), k


def _rows(
    spec: TableSpec, body: list[tuple[Line, dict[str, list[Chunk]]]], skips: list[re.Pattern[str]]
) -> list[Row]:
    rows: list[Row] = []
    loose: list[tuple[Line, dict[str, list[Chunk]]]] = []
    for ln, cells in body:
        key_text = " ".join(c.text for c in cells.get(spec.key, []))
        is_row = bool(rx(spec.key_pattern).search(key_text))
        if is_row and any(p.search(ln.text) for p in skips):
            continue
        if is_row:
            rows.append(
                Row(
                    cells={n: " ".join(c.text for c in cs) for n, cs in cells.items()},
                    boxes=cells,
                    line=ln,
                )
            )
        elif spec.label and set(cells) == {spec.label}:
            loose.append((ln, cells))
    if spec.label:
        for ln, _cells in loose:
            near = [r for r in rows if r.line.page == ln.page and abs(r.line.yc - ln.yc) <= spec.attach_dy]
            if not near:
                continue
            row = min(near, key=lambda r: abs(r.line.yc - ln.yc))
            (row.above if ln.yc < row.line.yc else row.below).append(ln)
        for row in rows:
            parts = [ln.text for ln in sorted(row.above, key=lambda x: x.yc)]
            if row.get(spec.label):
                parts.append(row.get(spec.label))
            parts += [ln.text for ln in sorted(row.below, key=lambda x: x.yc)]
            row.cells[spec.label] = " ".join(parts)
            row.boxes[spec.label] = [c for ln in row.above + row.below for c in ln.chunks] + row.boxes.get(
                spec.label, []
            )
    return rows
