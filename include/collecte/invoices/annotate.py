"""The visual copy: the invoice PDF with every extracted value highlighted and labelled.

Each evidence box gets a translucent rectangle and a small tag with its field name; line cells
are coloured by the line's category and the label cell's tag names the line and its category,
so a reviewer sees at a glance what was read where. Drawn with reportlab on an overlay, merged
page by page with pypdf.
"""

from __future__ import annotations

import contextlib
import io
import re

from collecte.invoices.result import ExtractionResult

CATEGORY_COLORS = {
    "energy": (0.10, 0.60, 0.20),
    "subscription": (0.50, 0.25, 0.70),
    "network": (0.85, 0.50, 0.05),
    "capacity": (0.05, 0.60, 0.70),
    "tax": (0.85, 0.15, 0.15),
    "other": (0.45, 0.45, 0.45),
}
HEADER_COLOR = (0.10, 0.35, 0.85)
SITE_COLOR = (0.00, 0.50, 0.50)
READING_COLOR = (0.75, 0.45, 0.00)
SUMMARY_COLOR = (0.35, 0.35, 0.60)
REVIEW_COLOR = (0.90, 0.00, 0.00)
SHORT = {"amount_excl_tax": "amount", "quantity": "qty", "vat_rate": "vat", "unit_price": "price"}
_PATH = re.compile(r"^(?:sites\[(\d+)\]\.)?(?:(lines|readings)\[(\d+)\]\.)?(?:summary\[(\d+)\]\.)?(.+)$")


def _style(path: str, invoice: dict | None) -> tuple[tuple[float, float, float], str]:
    """Colour and tag text for one evidence path."""
    if path.startswith("review:"):  # what the reading could not explain (a reason of the result)
        return REVIEW_COLOR, f"to review: {path.removeprefix('review:')}"
    m = _PATH.match(path)
    if not m:
        return HEADER_COLOR, path
    site, kind, idx, summary, name = m.groups()
    if summary is not None:
        return SUMMARY_COLOR, f"summary {int(summary) + 1} {SHORT.get(name, name)}"
    if kind == "lines":
        category = "other"
        with contextlib.suppress(TypeError, KeyError, IndexError, ValueError):
            category = invoice["sites"][int(site)]["lines"][int(idx)]["category"]  # type: ignore[index]
        color = CATEGORY_COLORS.get(category, CATEGORY_COLORS["other"])
        if name == "label":
            return color, f"s{site}.lines[{idx}] {category}"
        return color, SHORT.get(name, name)
    if kind == "readings":
        return READING_COLOR, f"s{site}.R{idx} {SHORT.get(name, name)}"
    if site is not None:
        return SITE_COLOR, f"s{site}.{name}"
    return HEADER_COLOR, name


def _overlay(
    size: tuple[float, float], items: list[tuple[tuple, str, tuple[float, float, float, float]]], note: str
):
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    for color, tag, (x0, y0, x1, y1) in items:
        c.setStrokeColorRGB(*color)
        c.setFillColorRGB(*color)
        c.setFillAlpha(0.22)
        c.setStrokeAlpha(0.9)
        c.setLineWidth(0.6)
        # pdfium measures glyphs with its own base-14 metrics: pad a little so the box covers
        # the text as any viewer draws it
        pad = 1.0 + 0.03 * (x1 - x0)
        c.rect(x0 - 1, y0 - 1, x1 - x0 + 1 + pad, y1 - y0 + 2, stroke=1, fill=1)
        font = 4.2
        width = c.stringWidth(tag, "Helvetica", font) + 2
        tx, ty = x0 - 1, y1 + 1.2
        c.setFillColorRGB(1, 1, 1)
        c.setFillAlpha(0.85)
        c.rect(tx, ty - 0.6, width, font + 0.8, stroke=0, fill=1)
        c.setFillColorRGB(*color)
        c.setFillAlpha(1)
        c.setFont("Helvetica", font)
        c.drawString(tx + 1, ty + 0.4, tag)
    if note:
        c.setFillColorRGB(0.8, 0.1, 0.1)
        c.setFont("Helvetica-Bold", 7)
        c.drawString(12, size[1] - 10, note[:180])
    c.showPage()
    c.save()
    return buf.getvalue()


def annotate(pdf: bytes, result: ExtractionResult) -> bytes:
    """The PDF with each extracted value boxed and tagged with its field (and line category)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    by_page: dict[int, list] = {}
    for ev in result.evidence:
        color, tag = _style(ev.field_path, result.invoice)
        by_page.setdefault(ev.page_index, []).append((color, tag, ev.bbox))
    status = f"collecte: {result.status} ({result.source or 'no source'})"
    if result.source == "facturx":
        status += " - values read from the embedded Factur-X XML, not from positions on the page"
    if result.reasons:
        status += f" - {len(result.reasons)} reason(s): {result.reasons[0]}"
    for i, page in enumerate(writer.pages):
        box = page.mediabox
        size = (float(box.width), float(box.height))
        overlay = _overlay(size, by_page.get(i, []), status if i == 0 else "")
        page.merge_page(PdfReader(io.BytesIO(overlay)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
