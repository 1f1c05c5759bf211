"""ReportLab building blocks shared by the supplier layouts."""

from __future__ import annotations

import io
from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

PAGE_W, PAGE_H = A4

PageDecorator = Callable[[rl_canvas.Canvas, int, int], None]


def style(name: str, font: str = "Helvetica", size: float = 7.8, leading: float | None = None,
          **kwargs) -> ParagraphStyle:
    """A paragraph style (leading defaults to 1.2 x size)."""
    return ParagraphStyle(name, fontName=font, fontSize=size,
                          leading=leading if leading is not None else round(size * 1.2, 2), **kwargs)


def _numbered_canvas(decorate: PageDecorator) -> type:
    """A canvas class that draws page furniture once the page count is known."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (ReportLab API)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def build_pdf(story: list, decorate: PageDecorator, *, title: str, author: str,
              margins: tuple[float, float, float, float], first_top: float | None = None) -> bytes:
    """Lay out `story` on A4 pages; margins are (left, right, top, bottom), `first_top` the top
    margin of the first page when it differs."""
    from reportlab.platypus import NextPageTemplate

    left, right, top, bottom = margins
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=left, rightMargin=right, topMargin=top,
                          bottomMargin=bottom, title=title, author=author, invariant=1)
    first = first_top if first_top is not None else top
    frames = [Frame(left, bottom, PAGE_W - left - right, PAGE_H - first - bottom, id="first"),
              Frame(left, bottom, PAGE_W - left - right, PAGE_H - top - bottom, id="body")]
    doc.addPageTemplates([PageTemplate(id="first", frames=[frames[0]]),
                          PageTemplate(id="later", frames=[frames[1]])])
    doc.build([NextPageTemplate("later"), *story], canvasmaker=_numbered_canvas(decorate))
    return buffer.getvalue()


FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
_FALLBACK = {"DejaVuSans": "Helvetica", "DejaVuSans-Bold": "Helvetica-Bold",
             "DejaVuSansCondensed": "Helvetica", "DejaVuSansCondensed-Bold": "Helvetica-Bold"}
_registered: dict[str, str] = {}


def font(name: str) -> str:
    """Name to use for a DejaVu TrueType font: registered from the system fonts when present,
    else the closest standard font (the layout then differs slightly from the samples)."""
    if name in _registered:
        return _registered[name]
    import os

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder in FONT_DIRS:
        path = os.path.join(folder, f"{name}.ttf")
        if os.path.exists(path):
            pdfmetrics.registerFont(TTFont(name, path))
            _registered[name] = name
            return name
    _registered[name] = _FALLBACK[name]
    return _registered[name]


def fit(text: str, para_style: ParagraphStyle, width: float):
    """A table cell: the plain string when it fits on one line of `width`, else a wrapping Paragraph
    (plain strings are much cheaper to lay out). Like a Paragraph, the plain string prints no-break
    spaces as ordinary spaces."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    plain = " ".join(text.split())
    if "<" not in text and stringWidth(plain, para_style.fontName, para_style.fontSize) <= width:
        return plain
    return Paragraph(text, para_style)


class FillTo:
    """A flowable taking all the frame's height but `keep` points: the next table starts near the
    bottom of the page and breaks across it (drift: a page break inside the lines table)."""

    def __new__(cls, keep: float):
        from reportlab.platypus.flowables import Flowable

        class _Fill(Flowable):
            def wrap(self, available_width, available_height):
                self.height = max(0.0, available_height - keep)
                return available_width, self.height

            def draw(self):
                return None

        return _Fill()


def vat_before_amount(rows: list[list], widths: list[float], amount: int) -> tuple[list[list], list[float]]:
    """Drift "column_order": the last column (the VAT rate) printed at index `amount`, before the amount."""
    from sandbox.invoices.drift import active

    if not active().column_order:
        return rows, widths

    def move(seq: list) -> list:
        seq = list(seq)
        seq.insert(amount, seq.pop())
        return seq

    return [move(r) for r in rows], move(widths)


def extra_column(lines: list[dict]) -> tuple[str, list[str]] | None:
    """The column a drifted invoice adds to its lines table: (header, one value per line), or None."""
    from sandbox.invoices import frenchfmt as fr
    from sandbox.invoices.drift import active
    from sandbox.invoices.money import dec, round_amount

    name = active().extra_column
    if name is None:
        return None
    if name == "vat_amount":
        return "Montant TVA (€)", [
            fr.number(round_amount(dec(x["amount_excl_tax"]) * dec(x["vat_rate"] or 0)), 2, " ") for x in lines]
    if name == "reference":
        return "Réf.", [f"L{i + 1:02d}" for i in range(len(lines))]
    return name, [f"C{(7 * i) % 90 + 10}" for i in range(len(lines))]
