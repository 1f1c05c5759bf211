"""Tables by x-position: columns from the header labels, rows from the key column, label cells by geometry.

The header row is read as cells: runs of the header band that stack over each other (a header
label wrapped over two or three lines) form one cell. Every header cell is a column, from its left
edge to the next cell's left edge (minus a small pad): values may be left-aligned under the label or
right-aligned further right, as long as they stay before the next column's label. A cell matching
none of the template's columns (nor its known extra columns) is still a column, so its values do
not spill into a neighbour, and it is reported: the layout has changed. Columns are measured again
at every repeated header (a table continued on the next page), so a shifted layout still reads.

A row is a line whose key column parses as a number. The label column is read by geometry, not by
line: label runs closer than ``cell_gap`` vertically form one cell (a label wrapped over several
lines, above, beside and below the values), and each cell goes to the row whose values stand
within it. A cell with no row is a section title (``titles``) or is reported; a cell over two rows
is reported. Nothing in the table is dropped silently.

Why not tabula here: these layouts have no ruling lines and tabula's stream mode guesses
columns from whitespace per page (about 0.07 s per page warm, plus a JVM per process),
whereas the header labels give the columns exactly and pdfium's runs are already the cells.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from collecte.invoices.layout import Line
from collecte.invoices.pdftext import Chunk
from collecte.invoices.template import TableSpec, rx

SAME_LINE = 2.5  # pt


@dataclass(slots=True)
class Flag:
    """Something the reading could not explain: a message and the runs it is about."""

    message: str
    chunks: list[Chunk]
    layout: bool = False  # a change of layout (new column...) rather than a problem of this invoice


@dataclass(slots=True)
class Row:
    """One table row: text per column and the runs behind each cell."""

    cells: dict[str, str]
    boxes: dict[str, list[Chunk]]
    line: Line

    def get(self, column: str) -> str:
        """The cell's text ('' when empty)."""
        return self.cells.get(column, "")


@dataclass(slots=True)
class HeaderCell:
    """One header label (its runs, top to bottom)."""

    chunks: list[Chunk]

    @property
    def text(self) -> str:
        """The label's lines joined by spaces."""
        return " ".join(c.text for c in sorted(self.chunks, key=lambda c: (c.yc, c.x0)))

    @property
    def x0(self) -> float:
        """Left edge."""
        return min(c.x0 for c in self.chunks)

    @property
    def x1(self) -> float:
        """Right edge."""
        return max(c.x1 for c in self.chunks)


@dataclass(slots=True)
class TableRead:
    """What ``find_table`` read: rows, the index of the line after the table, header texts, flags."""

    rows: list[Row] = field(default_factory=list)
    end: int = 0
    headers: list[str] = field(default_factory=list)
    header_chunks: list[Chunk] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    found: bool = False


@dataclass(slots=True)
class _Columns:
    names: list[str]
    starts: list[float]
    header_bottom: float
    page: int
    spans: list[tuple[float, float]] = field(default_factory=list)  # each header label's x0, x1

    def assign(self, chunk: Chunk) -> str | None:
        """The column under whose header label the run stands most (values left- or right-aligned
        with their label); a run under no label goes to the column whose span holds its centre."""
        k = bisect.bisect_right(self.starts, chunk.xc) - 1
        best, most = None, 0.0
        cx0, cx1 = chunk.x0, chunk.x1
        for j in range(max(0, k - 1), min(len(self.spans), k + 2)):
            x0, x1 = self.spans[j]
            overlap = (x1 if x1 < cx1 else cx1) - (x0 if x0 > cx0 else cx0)
            if overlap > most:
                best, most = self.names[j], overlap
        if best is not None:
            return best
        return self.names[k] if k >= 0 else None


def header_cells(runs: list[Chunk]) -> list[HeaderCell]:
    """Header runs grouped into cells: runs overlapping horizontally on different lines are one cell."""
    cells: list[HeaderCell] = []
    for c in sorted(runs, key=lambda c: (c.x0, c.yc)):
        home = None
        for cell in cells:
            overlap = min(cell.x1, c.x1) - max(cell.x0, c.x0)
            stacked = all(abs(o.yc - c.yc) > SAME_LINE for o in cell.chunks)
            if overlap > 0.5 and stacked:
                home = cell
                break
        if home is None:
            cells.append(HeaderCell([c]))
        else:
            home.chunks.append(c)
    return sorted(cells, key=lambda cell: cell.x0)


HEADER_PITCH = 10.5  # pt between the lines of a header label wrapped over several lines


def _near(lines: list[Line], at: int, up: float, down: float) -> list[Line]:
    """Lines of ``lines[at]``'s page from ``up`` pt above it to ``down`` pt below (lines are in reading order)."""
    page, y = lines[at].page, lines[at].yc
    lo = at
    while lo > 0 and lines[lo - 1].page == page and y - lines[lo - 1].yc <= up:
        lo -= 1
    hi = at
    while hi + 1 < len(lines) and lines[hi + 1].page == page and lines[hi + 1].yc - y <= down:
        hi += 1
    return lines[lo : hi + 1]


def _grow_down(cells: list[HeaderCell], lines: list[Line], band: list[Line], spec: TableSpec) -> None:
    """Header labels wrapped below the band: runs stacked under a cell, within a leading, join it."""
    page, last = band[0].page, max(ln.yc for ln in band)
    key = rx(spec.key_pattern)
    for ln in lines:
        if ln.page != page or not (last < ln.yc <= last + HEADER_PITCH + 3):
            continue
        for c in ln.chunks:
            if key.search(c.text):
                continue
            for cell in cells:
                low = max(cell.chunks, key=lambda o: o.yc)
                if min(cell.x1, c.x1) - max(cell.x0, c.x0) > 0.5 and 0 < c.yc - low.yc <= HEADER_PITCH:
                    cell.chunks.append(c)
                    break


def _columns(
    spec: TableSpec, lines: list[Line], at: int, flags: list[Flag], seen: list[Chunk] | None = None
) -> tuple[_Columns | None, list[str]]:
    """Measure the columns from the header band around line ``at``; unknown header cells are flagged."""
    anchor_line = lines[at]
    band = _near(lines, at, spec.header_band, spec.header_band)
    cells = header_cells([c for ln in band for c in ln.chunks])
    below = _near(lines, at, 0, spec.header_band + HEADER_PITCH + 3)
    in_band = {id(ln) for ln in band}
    _grow_down(cells, [ln for ln in below if id(ln) not in in_band], band, spec)
    texts = [cell.text for cell in cells]
    named: dict[int, str] = {}
    missing = []
    for name, col in spec.columns.items():
        pattern = rx(col.header)
        hits = [i for i, text in enumerate(texts) if pattern.search(text)]
        if len(hits) < col.nth:
            missing.append(f"{name} ({col.header})")
            continue
        named[hits[col.nth - 1]] = name
    for name, col in spec.extra_columns.items():
        pattern = rx(col.header)
        for i, text in enumerate(texts):
            if i not in named and pattern.search(text):
                named[i] = f"~{name}"
    box = [c for cell in cells for c in cell.chunks]
    if seen is not None:
        seen += box
    for a, b in zip(cells, cells[1:], strict=False):
        if any(min(x.x1, y.x1) - max(x.x0, y.x0) > 0.5 and abs(x.yc - y.yc) <= SAME_LINE
               for x in a.chunks for y in b.chunks):
            flags.append(Flag(f"table header: labels '{a.text}' and '{b.text}' overlap", a.chunks + b.chunks, True))
    if missing:
        flags.append(Flag(f"table header '{' | '.join(texts)}': column(s) {', '.join(missing)} not found", box, True))
        return None, texts
    for i, cell in enumerate(cells):
        if i not in named:
            named[i] = f"?{cell.text}"
            flags.append(Flag(f"table header: unexpected column '{cell.text}'", cell.chunks, True))
    order = sorted(named, key=lambda i: cells[i].x0)
    starts = [cells[i].x0 - spec.column_pad for i in order]
    starts[0] = -1.0
    bottom = max(c.yc for c in box)
    spans = [(cells[i].x0, cells[i].x1) for i in order]
    return _Columns([named[i] for i in order], starts, bottom, anchor_line.page, spans), texts


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


def find_table(spec: TableSpec, lines: list[Line], start: int = 0) -> TableRead:
    """Read the first table matching ``spec`` in ``lines`` from ``start``."""
    out = TableRead(end=start)
    i = next((k for k in range(start, len(lines)) if _is_header(spec, lines[k])), None)
    if i is None:
        return out
    cols, out.headers = _columns(spec, lines, i, out.flags, out.header_chunks)
    if cols is None:
        return out
    out.found = True
    ends = [rx(p) for p in spec.end]
    body: list[tuple[Line, dict[str, list[Chunk]]]] = []
    k = i + 1
    last_y: tuple[int, float] = (cols.page, cols.header_bottom)
    key_rx = rx(spec.key_pattern)
    while k < len(lines):
        ln = lines[k]
        if ln.page == cols.page and ln.yc <= cols.header_bottom + SAME_LINE:
            k += 1
            continue
        if ln.page != cols.page:
            # a new page: the table resumes under its repeated header when there is one
            # (anything above it is page furniture or a title), else from the top
            again = _header_on_page(spec, lines, k)
            new, _ = _columns(spec, lines, again, out.flags, out.header_chunks) if again is not None else (None, [])
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
        if key_rx.search(" ".join(c.text for c in cells.get(spec.key, []))):
            last_y = (ln.page, ln.yc)
        elif _leaves_table(spec, cols, ln):
            break
        body.append((ln, cells))
        k += 1
    out.end = k
    out.rows = _rows(spec, body, out.flags)
    return out


def _leaves_table(spec: TableSpec, cols: _Columns, ln: Line) -> bool:
    """A line without values whose text runs across two column boundaries is a paragraph after
    the table (the table's end marker moved away, or there is none)."""
    wide = False
    for c in ln.chunks:
        k = max(0, bisect.bisect_right(cols.starts, c.x0) - 1)
        if k + 2 < len(cols.starts) and c.x1 > cols.starts[k + 2]:
            wide = True
            break
    return wide and not any(rx(p).search(ln.text) for p in [*spec.titles, *spec.skip])


def _rows(spec: TableSpec, body: list[tuple[Line, dict[str, list[Chunk]]]], flags: list[Flag]) -> list[Row]:
    skips = [rx(p) for p in spec.skip]
    titles = [rx(p) for p in spec.titles]
    key_rx = rx(spec.key_pattern)
    rows: list[Row] = []
    label_runs: list[Chunk] = []
    for ln, cells in body:
        is_row = bool(key_rx.search(" ".join(c.text for c in cells.get(spec.key, []))))
        if is_row and any(p.search(ln.text) for p in skips):
            continue
        if is_row:
            rows.append(
                Row(cells={n: " ".join(c.text for c in cs) for n, cs in cells.items()}, boxes=cells, line=ln)
            )
            label_runs += cells.get(spec.label, []) if spec.label else []
        elif spec.label and set(cells) == {spec.label}:
            label_runs += cells[spec.label]
        elif spec.label and not any(p.search(ln.text) for p in skips + titles):
            flags.append(Flag(f"text '{ln.text}' in the table belongs to no line", ln.chunks))
    if spec.label:
        _label_cells(spec, rows, label_runs, titles, flags)
    return rows


def _label_cells(
    spec: TableSpec, rows: list[Row], runs: list[Chunk], titles: list[re.Pattern[str]], flags: list[Flag]
) -> None:
    """Group label runs into cells by vertical proximity and give each cell to its row.

    Runs closer than ``cell_gap`` form a block; a block holding the values of one row is that
    row's label; a block over several rows (rows drawn without space between them) is cut between
    each two rows where its runs stand furthest apart; a block over no row is a section title.
    """
    label = spec.label or ""
    blocks: list[list[Chunk]] = []
    for c in sorted(runs, key=lambda c: (c.page, c.top, c.x0)):
        last = blocks[-1] if blocks else None
        title = any(p.search(c.text) for p in titles)
        if last is not None and last[-1].page == c.page and not title and not _is_title(last, titles) and (
            c.top - max(o.bottom for o in last) < spec.cell_gap or c.yc - last[-1].yc < spec.cell_pitch
        ):
            last.append(c)
        else:
            blocks.append([c])
    owner: dict[int, list[Chunk]] = {}
    for block in blocks:
        top, bottom = min(c.top for c in block), max(c.bottom for c in block)
        inside = [
            j for j, r in enumerate(rows) if r.line.page == block[0].page and top - 1.5 <= r.line.yc <= bottom + 1.5
        ]
        if not inside:
            text = " ".join(c.text for c in block)
            if not any(p.search(text) for p in titles):
                flags.append(Flag(f"text '{text}' in the label column belongs to no line", block))
            continue
        for j, part in zip(inside, _cut(block, [rows[j].line.yc for j in inside]), strict=True):
            owner.setdefault(j, []).extend(part)
    for j, row in enumerate(rows):
        chunks = owner.get(j, [])
        row.cells[label] = " ".join(c.text for c in chunks)
        row.boxes[label] = chunks


def _is_title(block: list[Chunk], titles: list[re.Pattern[str]]) -> bool:
    return len(block) == 1 and any(p.search(block[0].text) for p in titles)


def _cut(block: list[Chunk], row_ys: list[float]) -> list[list[Chunk]]:
    """Cut a block of label runs (top to bottom) into one part per row, at the widest gaps."""
    parts: list[list[Chunk]] = []
    start = 0
    for a, b in zip(row_ys, row_ys[1:], strict=False):
        # the runs on a's line stay with a, those on b's line go with b; cut between, where widest
        cands = [k for k in range(start + 1, len(block)) if block[k - 1].yc < b - SAME_LINE and block[k].yc > a + SAME_LINE]
        if not cands:
            cands = [k for k in range(start + 1, len(block)) if block[k - 1].yc < b + 1.5 and block[k].yc > a - 1.5]
        if not cands:
            parts.append([])
            continue
        k = max(cands, key=lambda k: block[k].top - block[k - 1].bottom)
        parts.append(block[start:k])
        start = k
    parts.append(block[start:])
    return parts
