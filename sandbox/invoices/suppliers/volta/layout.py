"""Print a Volta invoice or credit note from its truth dict (the layout of the Volta samples)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

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

TEAL = colors.HexColor("#0E6B6B")
LIGHT = colors.HexColor("#E3F1F0")
LIGHTER = colors.HexColor("#F4F8F8")
GRID = colors.HexColor("#5E7D7C")
GREY = colors.HexColor("#444433")
FOOTER = colors.HexColor("#555555")

H_SECTION = style("v_h", "Helvetica-Bold", 10.5, 13, textColor=TEAL, spaceBefore=8, spaceAfter=4)
P_BODY = style("v_p", "Helvetica", 8.5, 10.5)
P_CONSO = style("v_conso", "Helvetica", 8.5, 10.5, spaceBefore=4)
P_REGUL = style("v_regul", "Helvetica", 8.5, 10.5, spaceBefore=3)
P_INFO = style("v_info", "Helvetica", 8.5, 10.5, spaceAfter=3)
P_CELL = style("v_cell", "Helvetica", 7.8, 9.2)
P_LABEL = style("v_label", "Helvetica-Bold", 7.8, 9.2)
P_HOLDER = style("v_holder", "Helvetica-Bold", 7, 8.5, textColor=GREY)
P_NAME = style("v_name", "Helvetica-Bold", 9.5, 12)
P_ADDR = style("v_addr", "Helvetica", 9.5, 12)

UNITS = {"day": "jours", "kWh": "kWh", "unit": "forfait", "month": "mois", "kVA": "kVA", "MWh": "MWh"}
PRICE_DECIMALS = {"day": 4, "unit": 2, "month": 2}
GROUPS = [("Fourniture d'électricité", ("subscription", "energy", "capacity")),
          ("Acheminement de l'électricité", ("network",)), ("Taxes et contributions", ("tax",)),
          ("Services et autres prestations", ("other",))]
READING_NAMES = {"BASE": "Base", "HP": "Heures pleines", "HC": "Heures creuses"}
OPTION_NAMES = {"BASE": "Base", "HPHC": "Heures Pleines / Heures Creuses"}
INFO = ["Le tarif d'utilisation des réseaux publics d'électricité (TURPE) rémunère le gestionnaire du réseau "
        "de distribution. La contribution tarifaire d'acheminement (CTA) finance les droits spécifiques relatifs "
        "à l'assurance vieillesse des personnels des industries électriques et gazières.",
        "L'accise sur l'électricité est une taxe perçue par l'État sur la consommation d'électricité.",
        "En cas de litige, vous pouvez saisir gratuitement le médiateur national de l'énergie."]
FOOT_1 = ("Volta Énergie SAS au capital de 2 400 000 EUR - RCS Nantes 900 000 001 - 3 quai des Turbines, "
          "44200 Nantes - TVA intracommunautaire FR00 900000001")
FOOT_2 = ("Service clients professionnels : 09 00 00 00 01 (appel non surtaxé) - pro.volta-energie.example")


def _grid_style(extra: list | None = None) -> TableStyle:
    commands = [("FONT", (0, 0), (-1, -1), "Helvetica", 7.8, 9.36),
                ("GRID", (0, 0), (-1, -1), 0.6, GRID), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]
    return TableStyle(commands + (extra or []))


def _number(value, decimals: int = 0) -> str:
    return fr.number(value, decimals)


def _top(truth: dict, decoration: dict) -> Table:
    credit = truth["document_type"] == "credit_note"
    kind = decoration.get("kind", "normal")
    title = "AVOIR" if credit else ("FACTURE DE RÉGULARISATION" if kind == "regularisation" else "FACTURE")
    def lab(text: str):
        return fit(active().label(text), P_LABEL, 89)

    rows = [[title, ""], ["N° d'avoir" if credit else lab("N° de facture"), truth["invoice_number"]],
            [lab("Date d'émission"), fr.d_slash(truth["invoice_date"])]]
    if truth.get("due_date"):
        rows.append([lab("Date d'échéance"), fr.d_slash(truth["due_date"])])
    if truth.get("customer_account"):
        rows.append([lab("N° client"), truth["customer_account"]])
    if credit and decoration.get("original_number"):
        rows += [["Facture concernée", decoration["original_number"]],
                 ["du", fr.d_slash(decoration["original_date"])]]
    box = Table(rows, colWidths=[95, 135], style=_grid_style([
        ("SPAN", (0, 0), (1, 0)), ("BACKGROUND", (0, 0), (1, 0), LIGHT),
        ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 7.8, 9.36)]))
    holder = [Paragraph("Titulaire du contrat", P_HOLDER), Paragraph(truth["customer_name"] or "", P_NAME),
              Paragraph("<br/>".join(decoration.get("customer_address", [])), P_ADDR)]
    return Table([[holder, box]], colWidths=[273, 230], style=TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))


def _site_table(site: dict) -> Table:
    period = f"du {fr.d_slash(site['period_start'])} au {fr.d_slash(site['period_end'])}"
    power = site.get("subscribed_power_kva")
    def lab(text: str, width: float = 94):
        return fit(active().label(text), P_LABEL, width)

    rows = [[lab("Point de livraison (PDL)"), site["meter_id"], lab("Option tarifaire", 79),
             OPTION_NAMES.get(site.get("tariff_option") or "", site.get("tariff_option") or "")],
            [lab("Nom du site"), fit(site.get("site_name") or "", P_CELL, 164), "Puissance souscrite",
             f"{_number(power)} kVA" if power is not None else ""],
            [lab("Adresse du site"), fit(site.get("site_address") or "", P_CELL, 164), lab("Période facturée", 79),
             period]]
    return Table(rows, colWidths=[100, 170, 85, 148], style=_grid_style([
        ("BACKGROUND", (0, 0), (0, -1), LIGHT), ("BACKGROUND", (2, 0), (2, -1), LIGHT),
        ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 7.8, 9.36),
        ("FONT", (2, 0), (2, -1), "Helvetica-Bold", 7.8, 9.36)]))


def _readings_table(site: dict) -> Table:
    rows = [["Poste", "Date début", "Index début", "Date fin", "Index fin", "Type de relevé",
             "Consommation (kWh)"]]
    for r in site["readings"]:
        rows.append([READING_NAMES.get(r["period"], r["period"]), fit(fr.d_slash(site["period_start"]), P_CELL, 54),
                     _number(r["index_start"]), fit(fr.d_slash(site["period_end"]), P_CELL, 54), _number(r["index_end"]),
                     "Estimé" if r.get("reading_type") == "estimated" else "Réel", _number(r["kwh"])])
    return Table(rows, colWidths=[78, 60, 62, 60, 62, 78, 103], style=_grid_style([
        ("BACKGROUND", (0, 0), (-1, 0), LIGHT), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.8, 9.36),
        ("ALIGN", (2, 1), (2, -1), "RIGHT"), ("ALIGN", (3, 1), (4, -1), "RIGHT"),
        ("ALIGN", (5, 1), (5, -1), "CENTER"), ("ALIGN", (6, 1), (6, -1), "RIGHT")]))


def line_periods(site: dict) -> list[str]:
    """Printed period of each line: month slices for repeated per-day lines, the site period otherwise."""
    start, end = fr.iso(site["period_start"]), fr.iso(site["period_end"])
    slices = month_slices(start, end)
    counters: dict[str, int] = {}
    out = []
    for x in site["lines"]:
        if x["category"] == "other":
            out.append("")
            continue
        same = sum(1 for y in site["lines"] if y["label"] == x["label"] and y["unit"] == x["unit"])
        if x["unit"] == "day" and same > 1 and same == len(slices):
            i = counters.get(x["label"], 0)
            counters[x["label"]] = i + 1
            a, b = slices[i]
        else:
            a, b = start, end
        out.append(f"{fr.d_slash_short(a)} au {fr.d_slash_short(b)}")
    return out


def _detail_table(site: dict) -> Table:
    col = active().column
    widths = [165, 82, 46, 36, 58, 64, 52]
    names = [col("Désignation"), "Période", col("Quantité"), "Unité", col("P.U. HT (€)"), col("Montant HT (€)"),
             col("TVA")]
    rows = [[fit(n, P_LABEL, w - 6) for n, w in zip(names, widths, strict=True)]]
    added = extra_column(site["lines"])
    if added:
        widths = [119, 82, 46, 36, 58, 64, 46, 52]
        rows[0].insert(6, fit(added[0], P_LABEL, 40))
    values = dict(zip(map(id, site["lines"]), added[1] if added else [], strict=False))
    extra = [("BACKGROUND", (0, 0), (-1, 0), LIGHT), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.8, 9.36),
             ("ALIGN", (2, 1), (2, -1), "RIGHT"), ("ALIGN", (4, 1), (5, -1), "RIGHT"),
             ("ALIGN", (6, 1), (6, -1), "CENTER")]
    periods = line_periods(site)
    for group, categories in GROUPS:
        items = [(x, p) for x, p in zip(site["lines"], periods, strict=True) if x["category"] in categories]
        if not items:
            continue
        r = len(rows)
        rows.append([group] + [""] * (len(widths) - 1))
        extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), LIGHTER),
                  ("FONT", (0, r), (-1, r), "Helvetica-Oblique", 7.8, 9.36), ("ALIGN", (0, r), (-1, r), "LEFT")]
        for x, p in items:
            q = x["quantity"]
            rows.append([fit(x["label"], P_CELL, widths[0] - 6), p, "" if q is None else fr.number(q, _qdec(q)),
                         UNITS.get(x["unit"], x["unit"] or "") if x["unit"] else "",
                         "" if x["unit_price"] is None else
                         fr.number(x["unit_price"], PRICE_DECIMALS.get(x["unit"], 5)),
                         fr.number(x["amount_excl_tax"], 2), _vat(x["vat_rate"])])
            if added:
                rows[-1].insert(6, values[id(x)])
    if added:
        extra = [(c, (a + (a >= 6), b), (d + (d >= 6), e), *rest) if c in ("ALIGN",) and a >= 0 else (c, (a, b),
                 (d, e), *rest) for c, (a, b), (d, e), *rest in extra]
    rows, widths = vat_before_amount(rows, widths, 5)
    return Table(rows, colWidths=widths, repeatRows=1, style=_grid_style(extra))


def _qdec(q: float | int) -> int:
    return 0 if float(q).is_integer() else 3


def _vat(rate: float | None) -> str:
    if rate is None:
        return ""
    return f"{fr.number(rate * 100, 0 if float(rate * 100).is_integer() else 1)} %"


def _totals(truth: dict, decoration: dict) -> Table:
    rows = [["Total HT", f"{fr.number(truth['total_excl_tax'])} €"]]
    for rate, base, vat in vat_breakdown(truth["sites"]):
        rows.append([f"TVA {_vat(float(rate))} sur {fr.number(base)} €", f"{fr.number(vat)} €"])
    rows.append(["Total TTC", f"{fr.number(truth['total_incl_tax'])} €"])
    ttc = len(rows) - 1
    deposits = decoration.get("deposits") if decoration.get("kind") == "regularisation" else None
    if deposits:
        count, amount = deposits
        paid = round(count * amount, 2)
        rows.append([f"Acomptes déjà réglés ({count} x {fr.number(amount)} €)", f"{fr.number(-paid)} €"])
        rows.append(["Reste à payer", f"{fr.number(round(truth['total_incl_tax'] - paid, 2))} €"])
    return Table(rows, colWidths=[190, 90], hAlign="RIGHT", style=TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5, 10.2), ("FONT", (0, ttc), (-1, ttc), "Helvetica-Bold", 9, 10.8),
        ("BACKGROUND", (0, ttc), (-1, ttc), LIGHT), ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))


def _history(decoration: dict) -> list:
    rows = [["Mois", "Consommation (kWh)", "Relevé"]]
    rows += [[month, _number(kwh), "Estimé" if estimated else "Réel"]
             for month, kwh, estimated in decoration["history"]]
    table = Table(rows, colWidths=[90, 110, 70], hAlign="LEFT", style=_grid_style([
        ("BACKGROUND", (0, 0), (-1, 0), LIGHT), ("ALIGN", (1, 1), (1, -1), "RIGHT")]))
    return [PageBreak(), Paragraph("Historique de vos consommations", H_SECTION), table,
            Paragraph("Informations utiles", H_SECTION)] + [Paragraph(text, P_INFO) for text in INFO]


def render(truth: dict, decoration: dict) -> bytes:
    """PDF bytes of a Volta invoice or credit note."""
    credit = truth["document_type"] == "credit_note"
    site = truth["sites"][0]
    story: list = [Spacer(1, 7), _top(truth, decoration), Spacer(1, 11),
                   Paragraph("Votre point de livraison", H_SECTION), _site_table(site)]
    if credit:
        story.append(Paragraph(f"Motif de l'avoir : {decoration.get('reason', 'erreur de facturation')}.<br/>"
                               f"Consommation annulée : <b>{_number(site['consumption_kwh'])} kWh</b>", P_CONSO))
    else:
        if site["readings"]:
            story += [Paragraph("Relevés de votre compteur", H_SECTION), _readings_table(site)]
        if decoration.get("kind") == "regularisation":
            story.append(Paragraph(
                "Cette facture de régularisation est établie sur la base de vos index réels. Elle remplace les "
                "consommations estimées facturées sous forme d'acomptes depuis le "
                f"{fr.d_slash(site['period_start'])}.", P_REGUL))
        story.append(Paragraph(f"Consommation facturée sur la période : <b>{_number(site['consumption_kwh'])} kWh</b>",
                               P_CONSO))
    drift = active()
    if drift.totals_moved:
        story += [Spacer(1, 8), _totals(truth, decoration)]
    story += [FillTo(110)] if drift.page_break else []
    story += [Paragraph("Détail de votre avoir" if credit else "Détail de votre facture", H_SECTION),
              _detail_table(site), Spacer(1, 8)]
    if not drift.totals_moved:
        story += [_totals(truth, decoration), Spacer(1, 8)]
    if credit:
        story.append(Paragraph("Le montant de cet avoir sera déduit de votre prochaine facture ou remboursé sur "
                               "demande auprès de votre service clients.", P_BODY))
    else:
        story.append(Paragraph(f"Ce montant sera prélevé à partir du {fr.d_slash(truth['due_date'])} sur le compte "
                               f"FR76 **** **** {decoration.get('iban4', '0000')}.", P_BODY))
    if decoration.get("history") and not credit:
        story += _history(decoration)
    heading = f"{'AVOIR' if credit else 'FACTURE'} {truth['invoice_number']}"

    def decorate(canvas, number: int, total: int) -> None:
        canvas.saveState()
        canvas.setFillColor(TEAL)
        canvas.rect(0, PAGE_H - 58, PAGE_W, 58, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont("Helvetica-Bold", 19)
        canvas.drawString(40, PAGE_H - 34, "VOLTA ÉNERGIE")
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(40, PAGE_H - 47, "Fournisseur d'électricité des professionnels")
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawRightString(PAGE_W - 40, PAGE_H - 34, heading)
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(PAGE_W - 40, PAGE_H - 47, f"Page {number}/{total}")
        canvas.setFillColor(FOOTER)
        canvas.setFont("Helvetica", 6.5)
        canvas.drawCentredString(PAGE_W / 2, 26, FOOT_1)
        canvas.drawCentredString(PAGE_W / 2, 17, FOOT_2)
        canvas.restoreState()

    title = f"{'Avoir' if credit else 'Facture'} Volta Énergie"
    return build_pdf(story, decorate, title=title, author="Volta Énergie", margins=(40, 40, 74, 49.5))
