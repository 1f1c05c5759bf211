"""Print a GazÉlec invoice or credit note from its truth dict (the layout of the GazÉlec samples)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from sandbox.invoices import frenchfmt as fr
from sandbox.invoices.drift import active
from sandbox.invoices.lines import vat_breakdown
from sandbox.invoices.pdfkit import (
    PAGE_H,
    PAGE_W,
    FillTo,
    build_pdf,
    extra_column,
    fit,
    style,
    vat_before_amount,
)
from sandbox.invoices.periods import month_slices

GREEN = colors.HexColor("#2E6B30")
SOFT = colors.HexColor("#7FA07F")
FILL = colors.HexColor("#E6EFE3")
ORANGE = colors.HexColor("#C8641A")
GREY = colors.HexColor("#444444")
FOOTER = colors.HexColor("#555555")

H_SECTION = style("g_h", "Times-Bold", 11.5, 14, textColor=GREEN, spaceBefore=9, spaceAfter=4)
P_NOTE = style("g_note", "Times-Italic", 8.5, 10.5, textColor=GREY)
P_ENERGY = style("g_energy", "Times-Roman", 9.5, 11.5)
P_CELL = style("g_cell", "Times-Roman", 8.5, 10)
P_LABEL = style("g_label", "Times-Roman", 8.5, 10.2)
P_LABEL_BOLD = style("g_label_bold", "Times-Bold", 8.5, 10.2)
P_HEAD = style("g_head", "Times-Bold", 7.5, 8.6)
P_HEAD8 = style("g_head8", "Times-Bold", 8, 9.2)
UNITS = {"day": "jour", "kWh": "kWh", "unit": "forfait", "month": "mois", "m3": "m³"}
PRICE_DECIMALS = {"day": 4, "unit": 2, "month": 2}
SYNTHESIS = [("Consommation de gaz naturel", ("energy",)), ("Abonnement", ("subscription",)),
             ("Acheminement, transport et stockage", ("network",)), ("Taxes et contributions", ("tax",)),
             ("Autres prestations", ("other", "capacity"))]
NOTE = ("Le coût de l'acheminement (ATRD, ATRT) et de la compensation stockage est fixé par la Commission de "
        "régulation de l'énergie. La CTA est calculée sur la part fixe de l'acheminement distribution. L'accise sur "
        "le gaz naturel est due au titre du code des impositions sur les biens et services.")
FOOT = ("GazÉlec Pro SAS - 8 rue des Gazomètres, 69007 Lyon - RCS Lyon 800 000 003 - TVA FR00 800000003 - "
        "Fournisseur de gaz naturel autorisé")


def _n(value, decimals: int = 0) -> str:
    return fr.number(value, decimals, " ")


def _boxed(extra: list, size: float = 8.5) -> TableStyle:
    return TableStyle([("FONT", (0, 0), (-1, -1), "Times-Roman", size, round(size * 1.2, 2)),
                       ("INNERGRID", (0, 0), (-1, -1), 0.4, SOFT), ("BOX", (0, 0), (-1, -1), 0.9, GREEN),
                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                       ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                       ("TOPPADDING", (0, 0), (-1, -1), 2.3), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.3)] + extra)


def _vat(rate: float | None) -> str:
    return "" if rate is None else f"{fr.number(rate * 100, 1)} %"


def _vat_short(rate: float) -> str:
    pct = rate * 100
    return f"{fr.number(pct, 0 if float(pct).is_integer() else 1)} %"


def _top(truth: dict, decoration: dict) -> Table:
    credit = truth["document_type"] == "credit_note"
    site = truth["sites"][0]
    def lab(text: str):
        return fit(active().label(text), P_LABEL, 99)

    rows = [["Vos références", ""], [lab("Date de la facture"), fr.d_slash(truth["invoice_date"])]]
    if truth.get("due_date"):
        rows.append([lab("Date limite de paiement"), fr.d_slash(truth["due_date"])])
    if truth.get("customer_account"):
        rows.append([lab("N° de compte"), truth["customer_account"]])
    if credit and decoration.get("original_number"):
        rows.append(["Facture d'origine", decoration["original_number"]])
    rows.append([lab("Période de consommation"),
                 f"{fr.d_slash(site['period_start'])} - {fr.d_slash(site['period_end'])}"])
    refs = Table(rows, colWidths=[105, 125], style=_boxed([
        ("SPAN", (0, 0), (1, 0)), ("BACKGROUND", (0, 0), (1, 0), FILL),
        ("FONT", (0, 0), (1, 0), "Times-Bold", 8.5, 10.2)]))
    holder = [Paragraph(truth["customer_name"] or "", style("g_name", "Times-Bold", 10.5, 13)),
              Paragraph("<br/>".join(decoration.get("customer_address", [])), style("g_addr", "Times-Roman", 10.5, 13))]
    return Table([[refs, holder]], colWidths=[285, 214], style=TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))


def _synthesis(truth: dict) -> Table:
    credit = truth["document_type"] == "credit_note"
    lines = truth["sites"][0]["lines"] if len(truth["sites"]) == 1 else [x for s in truth["sites"] for x in s["lines"]]
    rows = [["Synthèse de votre avoir" if credit else "Synthèse de votre facture", "Montant HT (EUR)"]]
    for label, categories in SYNTHESIS:
        items = [x["amount_excl_tax"] for x in lines if x["category"] in categories]
        if items:
            rows.append([label, _n(round(sum(items), 2), 2)])
    rows.append(["Total hors taxes", _n(truth["total_excl_tax"], 2)])
    for rate, base, vat in vat_breakdown(truth["sites"]):
        rows.append([f"TVA à {_vat_short(float(rate))} (base {_n(base, 2)})", _n(vat, 2)])
    rows.append(["Total toutes taxes comprises", _n(truth["total_incl_tax"], 2)])
    last = len(rows) - 1
    return Table(rows, colWidths=[300, 110], hAlign="LEFT", style=_boxed([
        ("BACKGROUND", (0, 0), (-1, 0), FILL), ("FONT", (0, 0), (-1, 0), "Times-Bold", 8.5, 10.2),
        ("BACKGROUND", (0, last), (-1, last), FILL), ("FONT", (0, last), (-1, last), "Times-Bold", 9.5, 11.4),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("INNERGRID", (0, 0), (-1, -1), 0, colors.white),
        ("LINEBELOW", (0, 0), (-1, -2), 0.4, SOFT), ("LINEAFTER", (0, 0), (0, -1), 0.4, SOFT)]))


def _site(site: dict, decoration: dict) -> Table:
    def lab(text: str, width: float = 46):
        return fit(active().label(text), P_LABEL_BOLD, width)

    rows = [[lab("PCE"), site["meter_id"], lab("Tarif d'acheminement", 94), site.get("tariff_option") or ""],
            [lab("Site"), fit(site.get("site_name") or "", P_CELL, 209), "CAR",
             f"{_n(decoration['car'])} kWh/an" if decoration.get("car") else ""],
            [lab("Adresse"), fit(site.get("site_address") or "", P_CELL, 209), "Fréquence de relève",
             decoration.get("frequency", "")]]
    return Table(rows, colWidths=[52, 215, 100, 120], style=_boxed([
        ("BACKGROUND", (0, 0), (0, -1), FILL), ("BACKGROUND", (2, 0), (2, -1), FILL),
        ("FONT", (0, 0), (0, -1), "Times-Bold", 8.5, 10.2), ("FONT", (2, 0), (2, -1), "Times-Bold", 8.5, 10.2)]))


def _readings(site: dict) -> Table:
    head = ["Date début", "Index début (m³)", "Date fin", "Index fin (m³)", "Volume (m³)",
            Paragraph("Coefficient de conversion (kWh/m³)", P_HEAD), "Énergie (kWh)", "Relevé"]
    rows = [head]
    for r in site["readings"]:
        rows.append([fr.d_slash(site["period_start"]), _n(r["index_start"]), fr.d_slash(site["period_end"]),
                     _n(r["index_end"]), _n(r["index_end"] - r["index_start"]),
                     _n(r["conversion_coefficient"], 3), _n(r["kwh"]),
                     "estimé" if r.get("reading_type") == "estimated" else "réel"])
    return Table(rows, colWidths=[55, 64, 55, 64, 52, 86, 62, 45], style=_boxed([
        ("BACKGROUND", (0, 0), (-1, 0), FILL), ("FONT", (0, 0), (-1, 0), "Times-Bold", 7.5, 9),
        ("ALIGN", (0, 1), (-1, -1), "RIGHT")]))


def _line_dates(site: dict) -> list[tuple[str, str]]:
    start, end = fr.iso(site["period_start"]), fr.iso(site["period_end"])
    slices = month_slices(start, end)
    counters: dict[str, int] = {}
    out = []
    for x in site["lines"]:
        if x["category"] == "other":
            out.append(("", ""))
            continue
        same = sum(1 for y in site["lines"] if y["label"] == x["label"])
        a, b = start, end
        if x["unit"] == "day" and same > 1 and same == len(slices):
            i = counters.get(x["label"], 0)
            counters[x["label"]] = i + 1
            a, b = slices[i]
        out.append((fr.d_slash(a), fr.d_slash(b)))
    return out


def _detail(site: dict) -> Table:
    col = active().column
    rows = [[col("Libellé"), "Du", "Au", col("Quantité"), "Unité", Paragraph(col("Prix unitaire HT"), P_HEAD8),
             Paragraph(col("Montant HT (EUR)"), P_HEAD8), col("TVA")]]
    widths = [152, 50, 50, 44, 30, 54, 60, 41]
    added = extra_column(site["lines"])
    if added:
        widths = [108, 50, 50, 44, 30, 54, 60, 44, 41]
        rows[0].insert(7, Paragraph(added[0], P_HEAD8))
    for i, (x, (a, b)) in enumerate(zip(site["lines"], _line_dates(site), strict=True)):
        q = x["quantity"]
        rows.append([fit(x["label"], P_CELL, widths[0] - 6), a, b,
                     "" if q is None else _n(q, 0 if float(q).is_integer() else 3),
                     UNITS.get(x["unit"], x["unit"] or "") if x["unit"] else "",
                     "" if x["unit_price"] is None else _n(x["unit_price"], PRICE_DECIMALS.get(x["unit"], 5)),
                     _n(x["amount_excl_tax"], 2), _vat(x["vat_rate"])])
        if added:
            rows[-1].insert(7, added[1][i])
    rows, widths = vat_before_amount(rows, widths, 6)
    return Table(rows, colWidths=widths, repeatRows=1, style=_boxed([
        ("BACKGROUND", (0, 0), (-1, 0), FILL), ("FONT", (0, 0), (-1, 0), "Times-Bold", 8, 9.6),
        ("ALIGN", (3, 1), (3, -1), "RIGHT"), ("ALIGN", (5, 1), (6, -1), "RIGHT"), ("ALIGN", (7, 1), (7, -1), "CENTER")]))


def _totals(truth: dict) -> Table:
    rows = [["Total HT", f"{_n(truth['total_excl_tax'], 2)} EUR"]]
    rows += [[f"TVA {_vat_short(float(rate))}", f"{_n(vat, 2)} EUR"] for rate, _, vat in vat_breakdown(truth["sites"])]
    rows.append(["Total TTC", f"{_n(truth['total_incl_tax'], 2)} EUR"])
    last = len(rows) - 1
    return Table(rows, colWidths=[130, 90], hAlign="RIGHT", style=_boxed([
        ("BACKGROUND", (0, last), (-1, last), FILL), ("FONT", (0, last), (-1, last), "Times-Bold", 10, 12),
        ("ALIGN", (1, 0), (1, -1), "RIGHT")]))


def render(truth: dict, decoration: dict) -> bytes:
    """PDF bytes of a GazÉlec invoice or credit note."""
    credit = truth["document_type"] == "credit_note"
    site = truth["sites"][0]
    story: list = [Spacer(1, 11), _top(truth, decoration), Spacer(1, 9), Paragraph("Synthèse", H_SECTION),
                   _synthesis(truth)]
    if credit and decoration.get("original_number"):
        story.append(Paragraph(
            f"Cet avoir porte sur la facture {decoration['original_number']} du "
            f"{fr.d_slash(decoration['original_date'])} (motif : {decoration.get('reason', 'erreur de facturation')}). "
            "Son montant sera imputé sur votre prochaine échéance.", P_NOTE))
    story += [Paragraph("Votre point de comptage et d'estimation", H_SECTION), _site(site, decoration)]
    if credit:
        story.append(Paragraph(f"Énergie annulée : <b>{_n(site['consumption_kwh'])} kWh</b>", P_ENERGY))
    else:
        if site["readings"]:
            story += [Paragraph("Relevés et conversion en énergie", H_SECTION), _readings(site)]
            if decoration.get("pcs"):
                story.append(Paragraph(f"Coefficient de conversion = PCS moyen ({_n(decoration['pcs'], 3)} kWh/m³) x "
                                       "coefficient de correction de pression et température.", P_NOTE))
        story.append(Paragraph(f"Énergie facturée : <b>{_n(site['consumption_kwh'])} kWh</b>", P_ENERGY))
    drift = active()
    if drift.totals_moved:
        story += [Spacer(1, 5.9), KeepTogether([_totals(truth)])]
    story += [FillTo(90)] if drift.page_break else []
    story += [Paragraph("Détail de la facturation", H_SECTION), _detail(site)]
    if not drift.totals_moved:
        story += [Spacer(1, 5.9), KeepTogether([_totals(truth)])]
    story += [Spacer(1, 8), Paragraph(NOTE, P_NOTE)]
    title = "AVOIR" if credit else ("FACTURE DE RÉGULARISATION" if decoration.get("kind") == "regularisation"
                                    else "FACTURE DE GAZ NATUREL")
    number = truth["invoice_number"]

    def decorate(canvas, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFillColor(GREEN)
        canvas.setFont("Times-Bold", 22)
        canvas.drawString(42, PAGE_H - 46, "GazÉlec Pro")
        canvas.setFillColor(ORANGE)
        canvas.setFont("Times-Italic", 9)
        canvas.drawString(42, PAGE_H - 58, "Le gaz naturel des professionnels")
        canvas.setFillColor(colors.black)
        canvas.setFont("Times-Bold", 10)
        canvas.drawRightString(PAGE_W - 42, PAGE_H - 44, title)
        canvas.setFont("Times-Roman", 9)
        canvas.drawRightString(PAGE_W - 42, PAGE_H - 56, f"N° {number} - feuillet {page} sur {total}")
        canvas.setStrokeColor(GREEN)
        canvas.setLineWidth(1.2)
        canvas.line(42, PAGE_H - 66, PAGE_W - 42, PAGE_H - 66)
        canvas.setLineWidth(0.4)
        canvas.line(42, PAGE_H - 69, PAGE_W - 42, PAGE_H - 69)
        canvas.setFillColor(FOOTER)
        canvas.setFont("Times-Roman", 7)
        canvas.drawString(42, 24, FOOT)
        canvas.restoreState()

    doc_title = "Avoir" if credit else ("Facture de régularisation" if decoration.get("kind") == "regularisation"
                                        else "Facture de gaz naturel")
    return build_pdf(story, decorate, title=f"{doc_title} GazÉlec Pro", author="GazÉlec Pro",
                     margins=(42, 42, 80, 42))
