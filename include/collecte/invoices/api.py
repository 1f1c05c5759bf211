"""``extract_invoice``: PDF bytes in, an ``ExtractionResult`` out.

Order of roads: an embedded Factur-X / ZUGFeRD XML (structured data) first; otherwise the
supplier template that best matches the first page; then reconciliation.
"""

from __future__ import annotations

from collecte.invoices.combine import HEADER_FILL, HEADER_KEYS, combine, normalize_en16931_lines, same
from collecte.invoices.engine import Extraction, apply_template
from collecte.invoices.facturx import LINELESS_PROFILES, ORDER_NAMES, guideline, read_facturx
from collecte.invoices.fingerprint import compare, normalize
from collecte.invoices.match import describe, rank
from collecte.invoices.model import Invoice
from collecte.invoices.pdftext import FEW_CHARS, Document, UnreadablePdf, read_document
from collecte.invoices.reconcile import reconcile
from collecte.invoices.result import Evidence, ExtractionResult
from collecte.invoices.template import Template, load_templates


def _to_pdf_space(
    doc: Document, evidence: list[tuple[str, int, tuple[float, float, float, float]]]
) -> list[Evidence]:
    out = []
    for path, page, (x0, top, x1, bottom) in evidence:
        h = doc.pages[page].height
        out.append(
            Evidence(path, page, (round(x0, 2), round(h - bottom, 2), round(x1, 2), round(h - top, 2)))
        )
    return out


def _normalized(invoice: dict) -> dict:
    """Round-trip through the model when it validates, so the dict has the contract's shape."""
    try:
        return Invoice.model_validate(invoice).model_dump(mode="json")
    except Exception:
        return invoice


def _from_xml(doc: Document, xml_invoice: tuple[dict, list[str]], cands: list, name: str) -> ExtractionResult:
    """The Factur-X record, completed and cross-checked with the printed page when a template fits."""
    invoice, problems = xml_invoice
    profile = guideline(invoice)
    normalize_en16931_lines(invoice)
    evidence: list[Evidence] = []
    best = cands[0] if cands else None
    fits = (
        best is not None
        and best.score >= best.template.detect.min_score
        and best.template.code == invoice["supplier"]
    )
    if profile in LINELESS_PROFILES or not invoice["sites"]:
        return _lineless(doc, invoice, problems, best.template if fits else None, profile, name)
    if fits:
        printed = apply_template(best.template, doc)
        problems += combine(invoice, printed.invoice, name)
        evidence = _to_pdf_space(doc, printed.evidence)
    reasons = problems + reconcile(invoice, name)
    status = "needs_review" if reasons else "ok"
    return ExtractionResult(status, _normalized(invoice), reasons, "facturx", evidence, name, len(doc.pages))


def _lineless(
    doc: Document, xml: dict, problems: list[str], tpl: Template | None, profile: str, name: str
) -> ExtractionResult:
    """A Factur-X profile without lines (MINIMUM, BASIC WL): header and totals from the XML, sites and
    lines from the printed layout; what both give must agree."""
    label = profile.upper().replace("BASICWL", "BASIC WL")
    if tpl is None:
        reason = f"{name}: the Factur-X XML (profile {label}) carries no lines and no template reads the printed invoice"
        return ExtractionResult("needs_review", xml, [*problems, reason], "facturx", [], name, len(doc.pages))
    ex = apply_template(tpl, doc)
    flagged, layout, flag_evidence = flag_reasons(doc, tpl, ex, name)
    invoice = dict(ex.invoice)
    reasons = [*problems, *flagged]
    for key in (*HEADER_KEYS, *HEADER_FILL):
        if xml.get(key) is None:
            continue
        if invoice.get(key) is not None and not same(xml[key], invoice[key]):
            reasons.append(f"{name}: {key}: the Factur-X XML says {xml[key]!r}, the printed invoice {invoice[key]!r}")
        invoice[key] = xml[key]
    reasons += reconcile(invoice, name, ex.summary)
    status = "layout_changed" if layout else "needs_review" if reasons else "ok"
    return ExtractionResult(
        status, _normalized(invoice), reasons, f"facturx+template:{tpl.code}",
        _to_pdf_space(doc, ex.evidence + flag_evidence), name, len(doc.pages),
        compare(tpl.fingerprint, normalize(ex.seen)) + layout,
    )


def extract_invoice(
    pdf: bytes, *, name: str = "<memory>", templates: tuple[Template, ...] | None = None
) -> ExtractionResult:
    """Turn one supplier invoice PDF into a record following the invoice contract.

    ``status`` is "ok" (every check passed), "needs_review" (read, but some check failed: see
    ``reasons``), "no_template" (no supplier layout matches), "needs_ocr" (a page has no text)
    or "unreadable" (empty, corrupted or encrypted file).
    """
    try:
        doc = read_document(pdf)
    except UnreadablePdf as exc:
        return ExtractionResult("unreadable", reasons=[f"{name}: unreadable PDF: {exc}"], name=name)
    templates = templates if templates is not None else load_templates()
    cands = rank(doc, templates)

    xml_invoice = read_facturx(pdf, name=name, templates=templates, attachments=doc.attachments)
    if xml_invoice is not None:
        return _from_xml(doc, xml_invoice, cands, name)

    textless = [p for p in doc.pages if p.char_count < FEW_CHARS]
    scanned = [p.index for p in textless if p.images]
    if len(textless) == len(doc.pages):
        if not scanned:
            return ExtractionResult(
                "unreadable", reasons=[f"{name}: no text and no image on any page (blank PDF)"], name=name
            )
        return ExtractionResult(
            "needs_ocr",
            reasons=[f"{name}: no text layer on any page (image-only PDF): OCR needed"],
            name=name,
            pages=len(doc.pages),
        )
    best = cands[0] if cands else None
    if best is None or best.score < best.template.detect.min_score:
        closest = describe(cands) or "none loaded"
        if 0 in scanned:  # the page that tells the supplier is a scan: OCR first
            return ExtractionResult(
                "needs_ocr",
                reasons=[
                    f"{name}: page 1 has no text layer (image only): OCR needed; closest templates: {closest}"
                ],
                name=name,
                pages=len(doc.pages),
            )
        order = [a for a in doc.attachments if a.lower() in ORDER_NAMES]
        note = f" (its {order[0]} is an order, not an invoice)" if order else ""
        return ExtractionResult(
            "no_template",
            reasons=[f"{name}: no template matches this layout{note}; closest: {closest}"],
            name=name,
            pages=len(doc.pages),
        )
    tpl = best.template
    try:
        ex = apply_template(tpl, doc)
        flagged, layout, flag_evidence = flag_reasons(doc, tpl, ex, name)
    except Exception as exc:  # a layout the template cannot walk: reviewed, never a crashed batch
        return ExtractionResult(
            "needs_review",
            None,
            [f"{name}: template {tpl.code} failed on this document: {exc!r}"],
            f"template:{tpl.code}",
            name=name,
            pages=len(doc.pages),
        )
    reasons = list(ex.problems) + flagged
    if scanned:
        pages = ", ".join(str(i + 1) for i in scanned)
        reasons.append(f"{name}: page(s) {pages} have no text layer (image only): OCR needed")
    reasons += reconcile(ex.invoice, name, ex.summary)
    changes = compare(tpl.fingerprint, normalize(ex.seen))
    status = "layout_changed" if layout else "needs_review" if reasons else "ok"
    if scanned and len(scanned) * 2 >= len(doc.pages):
        status = "needs_ocr"
    return ExtractionResult(
        status,
        _normalized(ex.invoice),
        reasons,
        f"template:{tpl.code}",
        _to_pdf_space(doc, ex.evidence + flag_evidence),
        name,
        len(doc.pages),
        changes + layout,
    )


def _place(doc: Document, page: int, box: tuple[float, float, float, float]) -> str:
    h = doc.pages[page].height
    x0, top, x1, bottom = box
    return f"page {page + 1}, bbox {x0:.0f},{h - bottom:.0f},{x1:.0f},{h - top:.0f}"


def flag_reasons(
    doc: Document, tpl: Template, ex: Extraction, name: str
) -> tuple[list[str], list[str], list[tuple[str, int, tuple[float, float, float, float]]]]:
    """Reasons (with the place on the page) for what the template read without confidence, the
    layout changes among them, and evidence boxes for the visual copy (``review:<path>``)."""
    reasons: list[str] = []
    layout: list[str] = []
    evidence = []
    expected = (tpl.fingerprint or {}).get("labels") or {}
    for path, f in ex.flags:
        if f.chunks:
            page = f.chunks[0].page
            cs = [c for c in f.chunks if c.page == page]
            box = (min(c.x0 for c in cs), min(c.top for c in cs), max(c.x1 for c in cs), max(c.bottom for c in cs))
        else:  # a label not found: where the layout it was written for prints it
            want = expected.get(path.split("].", 1)[-1]) or {}
            page = min(want.get("page", 0), len(doc.pages) - 1)
            box = tuple(want["box"]) if "box" in want else (0.0, 0.0, doc.pages[page].width, doc.pages[page].height)
        reasons.append(f"{name}: {path}: {f.message} ({_place(doc, page, box)})")
        evidence.append((f"review:{path}", page, box))
        if f.layout:
            layout.append(f"{path}: {f.message} ({_place(doc, page, box)})")
    return reasons, layout, evidence
