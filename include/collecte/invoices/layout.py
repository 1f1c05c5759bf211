"""Lines of text runs, and the scopes (whole document, one site section) templates search in."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from collecte.invoices.pdftext import Chunk, Document

LINE_TOLERANCE = 2.5  # pt: runs whose vertical centres differ less than this share a line


@dataclass(slots=True)
class Line:
    """Runs sharing a baseline on one page, left to right."""

    page: int
    yc: float
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The line's runs joined by single spaces."""
        return " ".join(c.text for c in self.chunks)

    @property
    def first(self) -> Chunk:
        """Leftmost run."""
        return self.chunks[0]


def group_lines(chunks: list[Chunk], tolerance: float = LINE_TOLERANCE) -> list[Line]:
    """Group runs into lines (per page, by vertical centre), in reading order."""
    lines: list[Line] = []
    for c in sorted(chunks, key=lambda c: (c.page, c.yc, c.x0)):
        last = lines[-1] if lines else None
        if last is not None and last.page == c.page and abs(c.yc - last.yc) <= tolerance:
            last.chunks.append(c)
        else:
            lines.append(Line(c.page, c.yc, [c]))
    for ln in lines:
        ln.chunks.sort(key=lambda c: c.x0)
        ln.yc = sum(c.yc for c in ln.chunks) / len(ln.chunks)
    return lines


_DIGIT = re.compile(r"\d")
STACK_X = 2.0  # pt: lines of one wrapped label start within this distance of each other
STACK_PITCH = 10.5  # pt between the centres of two lines of one wrapped label


@dataclass(slots=True)
class Scope:
    """A part of the document (all of it, or one site's section) as runs and lines."""

    chunks: list[Chunk]
    lines: list[Line]
    _below: dict[int, Chunk] | None = None
    _above: dict[int, Chunk] | None = None
    _pairs: list[tuple[Chunk, Chunk]] = field(default_factory=list)
    _found: dict[re.Pattern[str], list[Chunk]] = field(default_factory=dict)
    _joined: dict[int, list[tuple[Chunk, list[Chunk]]]] = field(default_factory=dict)
    _order: list[Chunk] | None = None
    _union_list: list[tuple[Chunk, int]] | None = None
    _index: dict[int, int] = field(default_factory=dict)
    _columns: dict[int, list[Chunk]] | None = None
    _page_lines: dict[int, list[Line]] | None = None
    _column_cache: dict[tuple[int, float, float], list[Chunk]] = field(default_factory=dict)

    @classmethod
    def of(cls, chunks: list[Chunk]) -> Scope:
        """Build a scope from runs."""
        return cls(chunks, group_lines(chunks))

    def below(self, c: Chunk) -> Chunk | None:
        """The run continuing ``c`` on the next line of a wrapped label (same left edge, one leading
        below), or None."""
        if self._below is None:
            self._below = {}
            by_col: dict[tuple[int, int], list[Chunk]] = {}
            for r in self.chunks:  # labels only: a label has no digit (numbers and dates are values)
                if not _DIGIT.search(r.text):
                    by_col.setdefault((r.page, round(r.x0 / STACK_X)), []).append(r)
            for (page, col), runs in by_col.items():
                near = sorted(runs + by_col.get((page, col + 1), []), key=lambda r: r.yc)
                for a, b in zip(near, near[1:], strict=False):
                    if 0 < b.yc - a.yc <= STACK_PITCH and abs(a.x0 - b.x0) <= STACK_X and id(a) not in self._below:
                        self._below[id(a)] = b
                        self._pairs.append((a, b))
        return self._below.get(id(c))

    def above(self, c: Chunk) -> Chunk | None:
        """The run this one continues (the previous line of a wrapped label), or None."""
        self.below(c)
        if self._above is None:
            self._above = {id(b): a for a, b in self._pairs}
        return self._above.get(id(c))

    def joined(self, c: Chunk, depth: int = 2) -> list[tuple[Chunk, list[Chunk]]]:
        """The unions of ``c`` with the lines its label wraps onto (c+next, c+next+next), with their parts."""
        cached = self._joined.get(id(c))
        if cached is None:
            cached = []
            parts = [c]
            nxt = self.below(c)
            while nxt is not None and len(parts) <= depth:
                parts = [*parts, nxt]
                cached.append((union(parts), parts))
                nxt = self.below(nxt)
            self._joined[id(c)] = cached
        return cached

    def find(self, pattern: re.Pattern[str]) -> list[Chunk]:
        """Runs whose text matches ``pattern`` (search), in reading order; a label wrapped over two or
        three lines matches as one run (the union of its lines)."""
        found = self._found.get(pattern)
        if found is not None:
            return found
        search = pattern.search
        found = [c for c in self._reading() if search(c.text)]
        # only whole-label patterns (grid and column labels, "...$") are looked for across lines
        unions = self._unions() if pattern.pattern.endswith("$") else ()
        if unions:
            index = self._index
            hits = {index[id(c)]: c for c in found}
            from_union: set[int] = set()
            for u, i in unions:
                # the first line matches and the whole label too ("Période" / "Période facturée"):
                # the whole label is the anchor; a label matching only whole: its shortest union
                if i in hits and i not in from_union:
                    if search(u.text):
                        hits[i] = u
                elif i not in hits and search(u.text):
                    hits[i] = u
                    from_union.add(i)
            found = [hits[i] for i in sorted(hits)]
        self._found[pattern] = found
        return found

    def _reading(self) -> list[Chunk]:
        if self._order is None:
            self._order = [c for ln in self.lines for c in ln.chunks]
        return self._order

    def _unions(self) -> list[tuple[Chunk, int]]:
        """Every wrapped-label union (shortest first for each first line) with its first line's index."""
        if self._union_list is None:
            self.below(self.chunks[0]) if self.chunks else None
            self._index = {id(c): i for i, c in enumerate(self._reading())}
            firsts = {id(a) for a, _ in self._pairs}
            self._union_list = [
                (u, i) for i, c in enumerate(self._reading()) if id(c) in firsts for u, _ in self.joined(c)
            ]
        return self._union_list

    def near(self, c: Chunk, dy: float) -> list[Chunk]:
        """Runs of ``c``'s page whose centre is within ``dy`` of its centre."""
        if self._page_lines is None:
            self._page_lines = {}
            for ln in self.lines:
                self._page_lines.setdefault(ln.page, []).append(ln)
        lines = self._page_lines.get(c.page, [])
        lo = bisect.bisect_left(lines, c.yc - dy - LINE_TOLERANCE, key=lambda ln: ln.yc)
        out = []
        for ln in lines[lo:]:
            if ln.yc > c.yc + dy + LINE_TOLERANCE:
                break
            out += [o for o in ln.chunks if abs(o.yc - c.yc) <= dy]
        return out

    def column(self, c: Chunk, dx: float) -> list[Chunk]:
        """Runs of ``c``'s page starting within ``dx`` of its left edge, top to bottom."""
        if self._columns is None:
            self._columns = {}
            for o in sorted(self.chunks, key=lambda o: o.x0):
                self._columns.setdefault(o.page, []).append(o)
        key = (c.page, c.x0, dx)
        found = self._column_cache.get(key)
        if found is None:
            runs = self._columns.get(c.page, [])
            lo = bisect.bisect_left(runs, c.x0 - dx, key=lambda o: o.x0)
            hi = bisect.bisect_right(runs, c.x0 + dx, key=lambda o: o.x0)
            found = self._column_cache[key] = sorted(runs[lo:hi], key=lambda o: o.yc)
        return found


def union(parts: list[Chunk]) -> Chunk:
    """One run standing for several (a wrapped label): texts joined by spaces, boxes united."""
    return Chunk.make(
        " ".join(p.text for p in parts),
        min(p.x0 for p in parts),
        min(p.top for p in parts),
        max(p.x1 for p in parts),
        max(p.bottom for p in parts),
        parts[0].page,
    )


def body_chunks(
    doc: Document,
    furniture: list[re.Pattern[str]],
    zone: tuple[float, float],
    margins: tuple[float, float] = (0.0, 0.0),
) -> list[Chunk]:
    """Runs of the page bodies: page furniture (header/footer runs matching ``furniture`` within
    ``zone`` pt of the top/bottom edge) and anything inside ``margins`` left out."""
    out: list[Chunk] = []
    top_zone, bottom_zone = zone
    for p in doc.pages:
        for c in p.chunks:
            if c.top < margins[0] or c.bottom > p.height - margins[1]:
                continue
            in_zone = c.top < top_zone or c.bottom > p.height - bottom_zone
            if in_zone and any(f.search(c.text) for f in furniture):
                continue
            out.append(c)
    return out


def split_sections(lines: list[Line], pattern: re.Pattern[str]) -> list[list[Line]]:
    """Cut a flow of lines where the first run of a line matches ``pattern`` (site headings)."""
    sections: list[list[Line]] = []
    for ln in lines:
        if pattern.search(ln.first.text):
            sections.append([ln])
        elif sections:
            sections[-1].append(ln)
    return sections
