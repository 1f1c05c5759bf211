"""Lines of text runs, and the scopes (whole document, one site section) templates search in."""

from __future__ import annotations

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


@dataclass(slots=True)
class Scope:
    """A part of the document (all of it, or one site's section) as runs and lines."""

    chunks: list[Chunk]
    lines: list[Line]

    @classmethod
    def of(cls, chunks: list[Chunk]) -> Scope:
        """Build a scope from runs."""
        return cls(chunks, group_lines(chunks))

    def find(self, pattern: re.Pattern[str]) -> list[Chunk]:
        """Runs whose text matches ``pattern`` (search), in reading order."""
        return [c for ln in self.lines for c in ln.chunks if pattern.search(c.text)]


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
