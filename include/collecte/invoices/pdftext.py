"""Text with positions from a PDF, through pypdfium2.

Why pypdfium2 and not pdfplumber or tabula for every page: pdfium gives text with boxes at
about 300 pages/s, pdfplumber at about 6 pages/s, tabula (in-process through jpype) at about
15 pages/s once the JVM is warm. The invoices of our suppliers are born-digital: each cell is
drawn as one text object, so pdfium's text objects (with their bounds) are already the table
cells, and column assignment by x-position from the header labels (``tables.py``) is exact.
Pages whose text objects hold several lines fall back to pdfium's text rectangles
(``FPDFText_CountRects``). Measured end to end: about 45 pages/s on one core (see
``benchmarks/invoices.py``), three times the 15 pages/s target, where tabula alone would use
the whole budget.

Coordinates: PDF points, origin at the top-left of the page (``top`` grows downwards), so
that sorting by ``top`` reads a page from top to bottom.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


class UnreadablePdf(Exception):
    """The bytes are not a PDF we can open (corrupted, encrypted, empty)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One text run (a cell) on a page, with its box (top-left origin) and vertical centre."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int
    yc: float = -1.0  # vertical centre, filled in by ``make``

    @classmethod
    def make(cls, text: str, x0: float, top: float, x1: float, bottom: float, page: int) -> Chunk:
        """A run with its centre computed once (it is read very often)."""
        return cls(text, x0, top, x1, bottom, page, (top + bottom) / 2)

    @property
    def xc(self) -> float:
        """Horizontal centre of the run."""
        return (self.x0 + self.x1) / 2


@dataclass(slots=True)
class Page:
    """One page: its size and its text runs, in reading order (top to bottom, left to right)."""

    index: int
    width: float
    height: float
    chunks: list[Chunk] = field(default_factory=list)
    char_count: int = 0
    images: int = 0  # image objects, counted only on pages with almost no text


@dataclass(slots=True)
class Document:
    """A parsed PDF: pages with positioned text."""

    pages: list[Page]
    attachments: list[str] = field(default_factory=list)

    @property
    def chunks(self) -> list[Chunk]:
        """Every run of every page, page by page."""
        return [c for p in self.pages for c in p.chunks]


def _clean(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ").replace("\x00", "").replace("\ufffe", "")


def _tight(text: str, x0: float, x1: float) -> tuple[str, float, float]:
    """Strip spaces and shrink the box in proportion (pdfium counts trailing spaces in the run)."""
    n = len(text)
    stripped = text.strip()
    if not stripped or n == len(stripped):
        return stripped, x0, x1
    per = (x1 - x0) / n
    lead = len(text) - len(text.lstrip())
    trail = len(text) - len(text.rstrip())
    return stripped, x0 + lead * per, x1 - trail * per


FEW_CHARS = 20  # a page with fewer characters has no real text layer
MERGE_GAP = 4.0  # pt: pdfium sometimes splits one run (e.g. before "(" or ">"); a cell gap is wider


def _merged_rects(tp: pdfium.PdfTextPage) -> list[tuple[float, float, float, float]]:
    """pdfium's text rectangles, with pieces of one run (same line, touching) merged back."""
    rects = [tp.get_rect(r) for r in range(tp.count_rects())]
    out: list[list[float]] = []
    for left, bottom, right, top in rects:
        if out:
            pl, pb, pr, pt = out[-1]
            same_line = abs((pb + pt) / 2 - (bottom + top) / 2) < 1.6
            if same_line and 0 <= left - pr < MERGE_GAP:
                out[-1] = [pl, min(pb, bottom), max(pr, right), max(pt, top)]
                continue
        out.append([left, bottom, right, top])
    return [(a, b, c, d) for a, b, c, d in out]


MAX_RUN_HEIGHT = 30.0  # pt: a taller text object holds several lines: read that page by rectangles


def _object_runs(
    page: pdfium.PdfPage, tp: pdfium.PdfTextPage
) -> list[tuple[str, float, float, float, float]] | None:
    """Text objects of the page as (text, left, bottom, right, top), or None to use rectangles.

    A born-digital invoice draws each cell with one text object (one ``BT .. Tj .. ET``), so the
    objects are the cells; asking pdfium for each object's text is 2-3x faster than bounding
    text by rectangles (each ``FPDFText_GetBoundedText`` call scans the whole page). Pages where
    an object spans several lines (paragraphs set in one object) fall back to rectangles.
    """
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    runs: list[tuple[str, float, float, float, float]] = []
    raw_page, raw_tp = page.raw, tp.raw
    buf = ctypes.create_string_buffer(1024)
    buf_ptr = ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort))
    for k in range(pdfium_c.FPDFPage_CountObjects(raw_page)):
        obj = pdfium_c.FPDFPage_GetObject(raw_page, k)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            return None  # text inside form XObjects: let pdfium's text page handle it
        if kind != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        if top.value - bottom.value > MAX_RUN_HEIGHT:
            return None
        # one call with a reused buffer (each call scans the page's characters), a second only
        # for a text longer than the buffer
        size = pdfium_c.FPDFTextObj_GetText(obj, raw_tp, buf_ptr, len(buf))
        if size > len(buf):
            buf = ctypes.create_string_buffer(size)
            buf_ptr = ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort))
            size = pdfium_c.FPDFTextObj_GetText(obj, raw_tp, buf_ptr, size)
        if size <= 2:
            continue
        text = buf.raw[: size - 2].decode("utf-16-le", errors="replace")
        if "\r" in text or "\n" in text:
            return None
        runs.append((text, left.value, bottom.value, right.value, top.value))
    return _merge_touching(runs)


def _merge_touching(
    runs: list[tuple[str, float, float, float, float]],
) -> list[tuple[str, float, float, float, float]]:
    """Join consecutive objects of one line that touch (one cell drawn in pieces)."""
    out: list[tuple[str, float, float, float, float]] = []
    for text, left, bottom, right, top in runs:
        if out:
            ptext, pl, pb, pr, pt = out[-1]
            gap = left - pr
            same_line = abs((pb + pt) / 2 - (bottom + top) / 2) < 1.6
            if same_line and 0 <= gap < MERGE_GAP:
                joiner = "" if gap < 0.25 * max(pt - pb, top - bottom) or ptext.endswith(" ") else " "
                out[-1] = (ptext + joiner + text, pl, min(pb, bottom), max(pr, right), max(pt, top))
                continue
        out.append((text, left, bottom, right, top))
    return out


def _rect_runs(tp: pdfium.PdfTextPage) -> list[tuple[str, float, float, float, float]]:
    """pdfium's text rectangles with their text (the general, slower road)."""
    return [(tp.get_text_bounded(a, b, c, d), a, b, c, d) for a, b, c, d in _merged_rects(tp)]


def read_document(data: bytes) -> Document:
    """Open PDF bytes and return every page's text runs with their boxes.

    Raises ``UnreadablePdf`` with a reason for empty, corrupted or password-protected files.
    """
    if not data:
        raise UnreadablePdf("empty file (0 bytes)")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadablePdf("not a PDF (no %PDF header)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise UnreadablePdf("encrypted PDF (password required)") from exc
        raise UnreadablePdf(f"corrupted PDF ({msg})") from exc
    try:
        return _read_pages(pdf)
    except pdfium.PdfiumError as exc:
        raise UnreadablePdf(f"corrupted page content ({exc})") from exc
    finally:
        pdf.close()


def _read_pages(pdf: pdfium.PdfDocument) -> Document:
    """Every page's runs (a PDF opened without a password may still carry owner restrictions:
    its content is readable and read)."""
    pages: list[Page] = []
    n = len(pdf)
    if n == 0:
        raise UnreadablePdf("PDF has no pages")
    for i in range(n):
        page = pdf[i]
        width, height = page.get_size()
        tp = page.get_textpage()
        out = Page(index=i, width=width, height=height, char_count=tp.count_chars())
        if out.char_count < FEW_CHARS:
            out.images = sum(1 for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3))
        runs = _object_runs(page, tp) if out.char_count else []
        if runs is None:
            runs = _rect_runs(tp)
        for raw_text, left, bottom, right, top in runs:
            text, x0, x1 = _tight(_clean(raw_text), left, right)
            if text:
                out.chunks.append(Chunk.make(text, x0, height - top, x1, height - bottom, i))
        out.chunks.sort(key=lambda c: (round(c.yc), c.x0))
        tp.close()
        page.close()
        pages.append(out)
    names = []
    for k in range(pdf.count_attachments()):
        try:
            names.append(pdf.get_attachment(k).get_name())
        except Exception:  # a broken attachment entry must not hide the text
            continue
    return Document(pages, names)


__all__ = ["Chunk", "Document", "Page", "UnreadablePdf", "read_document"]
