"""Print a Nordis multi-site invoice or credit note from its truth dict (the layout of the Nordis samples):
a first page with the customer, the amounts and a summary of sites, then one section per site."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

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
    font,
    style,
    vat_before_amount,
)

NAVY = colors.HexColor("#1B2A49")
GRID = colors.HexColor("#8A94A6")
FILL = colors.HexColor("#EEF1F6")
GOLD = colors.HexColor("#D9A521")
RULE = colors.HexColor("#B8C0CC")
GREY = colors.HexColor("#555555")
REG, BOLD = font("DejaVuSans"), font("DejaVuSans-Bold")

H_SECTION = style("n_h", BOLD, 10, 12, textColor=NAVY, spaceBefore=11, spaceAfter=8)
H_INFO = style("n_h_info", BOLD, 10, 12, textColor=NAVY, spaceBefore=11, spaceAfter=5)
H_RECAP = style("n_h_recap", BOLD, 10, 12, textColor=NAVY, spaceBefore=8, spaceAfter=5)
P_TEXT = style("n_p", REG, 7.8, 10)
P_CELL = style("n_cell", REG, 7, 8.4)
P_LABEL = style("n_label", BOLD, 7, 8.4)
P_NOTE = style("n_note", REG, 6.5, 8)
UNITS = {"day": "j", "kWh": "kWh", "MWh": "MWh", "kVA": "kVA", "kvarh": "kvarh", "unit": "forfait", "month": "mois"}
PRICE_DECIMALS = {"day": 4, "MWh": 2, "kVA": 2, "unit": 2, "month": 2}
READING_NAMES = {"P": "P - Pointe", "HPH": "HPH - Heures pleines hiver", "HCH": "HCH - Heures creuses hiver",
                 "HPB": "HPB - Heures pleines été", "HCB": "HCB - Heures creuses été"}
OPTIONS = {"4P": "4 postes (HPH, HCH, HPB, HCB)", "5P": "5 postes (P, HPH, HCH, HPB, HCB)"}
INFO = ("Les tarifs d'utilisation des réseaux publics d'électricité (TURPE) évoluent chaque 1er août selon la "
        "délibération de la Commission de régulation de l'énergie. Les montants d'accise sont ceux en vigueur à la "
        "date de consommation. Pour toute question relative à cette facture, votre chargé de clientèle est joignable "
        "au 09 00 00 00 04 du lundi au vendredi de 8 h 30 à 18 h.")
NOTE = ("Le détail de la facturation de chaque site figure dans les pages suivantes. Les composantes "
        "d'acheminement (TURPE) sont reversées au gestionnaire de réseau.")
FOOT = "Nordis Énergies SAS - 5 place du Septentrion, 59000 Lille - RCS Lille 800 000 004 - TVA FR00 800000004"
SITES_PER_PAGE_LIMIT = 4


def _n(value, decimals: int = 0) -> str:
    return fr.number(value, decimals, " ")


def _grid(extra: list, size: float = 7, pad: float = 2.5) -> TableStyle:
    return TableStyle([("FONT", (0, 0), (-1, -1), REG, size, round(size * 1.2, 2)),
                       ("GRID", (0, 0), (-1, -1), 0.35, GRID), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                       ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                       ("TOPPADDING", (0, 0), (-1, -1), 1.9), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.9)] + extra)


def _plain(extra: list | None = None) -> TableStyle:
    return TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                       ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                       ("BOTTOMPADDING", (0, 0), (-1, -1), 0)] + (extra or []))


def _top(truth: dict, decoration: dict) -> Table:
    credit = truth["document_type"] == "credit_note"
    left = [Paragraph("Client", style("n_client", REG, 6.5, 8, textColor=GREY)),
            Paragraph(truth["customer_name"] or "", style("n_name", BOLD, 7.8, 10)),
            Paragraph("<br/>".join(decoration.get("customer_address", [])), P_TEXT)]
    if decoration.get("siret"):
        left.append(Paragraph(f"SIRET {decoration['siret']}", style("n_siret", REG, 6.5, 8, textColor=GREY)))
    def lab(text: str):
        return fit(active().label(text), P_LABEL, 107)

    rows = [[lab("Date de facture"), fr.d_dot(truth["invoice_date"])]]
    if truth.get("due_date"):
        rows.append([lab("Date d'échéance"), fr.d_dot(truth["due_date"])])
    if truth.get("customer_account"):
        rows.append([lab("Compte client"), truth["customer_account"]])
    month = decoration.get("consumption_month") or fr.iso(truth["sites"][0]["period_end"]).strftime("%m.%Y")
    rows += [["Période de consommation", month], ["Nombre de sites", str(len(truth["sites"]))]]
    if credit and decoration.get("original_number"):
        rows.append(["Facture annulée", decoration["original_number"]])
    box = Table(rows, colWidths=[112, 108], style=_grid([
        ("BACKGROUND", (0, 0), (0, -1), FILL), ("FONT", (0, 0), (0, -1), BOLD, 7, 8.4)]))
    return Table([[left, box]], colWidths=[290, 221], style=_plain([("RIGHTPADDING", (0, 0), (0, 0), 40)]))


def _amounts(truth: dict, decoration: dict) -> Table:
    credit = truth["document_type"] == "credit_note"
    rows = [["Total HT", f"{_n(truth['total_excl_tax'], 2)} €"]]
    for rate, base, vat in vat_breakdown(truth["sites"]):
        pct = float(rate) * 100
        rows.append([f"TVA {fr.number(pct, 0 if pct.is_integer() else 1)} % (base {_n(base, 2)} €)",
                     f"{_n(vat, 2)} €"])
    rows.append(["Total TTC", f"{_n(truth['total_incl_tax'], 2)} €"])
    last = len(rows) - 1
    table = Table(rows, colWidths=[170, 90], hAlign="LEFT", style=_grid([
        ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONT", (0, last), (-1, last), BOLD, 8.5, 10.2),
        ("BACKGROUND", (0, last), (-1, last), FILL)]))
    if credit:
        when = f" du {fr.d_dot(decoration['original_date'])}" if decoration.get("original_date") else ""
        text = (f"Cet avoir annule la facture {decoration.get('original_number', '')}{when}. Il sera remboursé par "
                "virement sur le compte enregistré à votre contrat.")
    else:
        text = (f"Merci de régler {_n(truth['total_incl_tax'], 2)} € avant le {fr.d_dot(truth['due_date'])} par "
                f"virement (référence de paiement : {truth['invoice_number']}).")
    return Table([[table, Paragraph(text, P_TEXT)]], colWidths=[270, 241],
                 style=_plain([("RIGHTPADDING", (1, 0), (1, 0), 10)]))


def _summary(truth: dict) -> Table:
    rows = [["N°", "PDL", "Site", "Période", "Conso. (kWh)", "Montant HT (€)"]]
    for i, site in enumerate(truth["sites"], start=1):
        rows.append([str(i), site["meter_id"], fit(site.get("site_name") or "", P_CELL, 185),
                     f"{fr.d_dot(site['period_start'])} - {fr.d_dot(site['period_end'])}",
                     _n(site["consumption_kwh"]), _n(site["total_excl_tax"], 2)])
    rows.append(["", "", "Total", "", _n(sum(s["consumption_kwh"] for s in truth["sites"])),
                 _n(truth["total_excl_tax"], 2)])
    last = len(rows) - 1
    return Table(rows, colWidths=[20, 72, 190, 96, 60, 73], repeatRows=1, style=_grid([
        ("BACKGROUND", (0, 0), (-1, 0), FILL), ("FONT", (0, 0), (-1, 0), BOLD, 7, 8.4),
        ("BACKGROUND", (0, last), (-1, last), FILL), ("FONT", (0, last), (-1, last), BOLD, 7, 8.4),
        ("ALIGN", (0, 0), (0, -1), "CENTER"), ("ALIGN", (4, 0), (5, -1), "RIGHT")]))


def _powers_text(powers: dict | None) -> str:
    if not powers:
        return ""
    return " / ".join(f"{p} {_n(v)}" for p, v in powers.items()) + " kVA"


def _site_header(site: dict, index: int, count: int, powers: dict | None) -> list:
    title = f"Site {index}/{count}" + (f" - {site['site_name']}" if site.get("site_name") else "")
    bar = Table([[Paragraph(title, style("n_bar", BOLD, 8.8, 10.56, textColor=colors.white))]], colWidths=[511],
                style=TableStyle([("BACKGROUND", (0, 0), (-1, -1), NAVY), ("LEFTPADDING", (0, 0), (-1, -1), 5),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 5), ("TOPPADDING", (0, 0), (-1, -1), 3),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 4.44)]))
    kva = site.get("max_power_kva")

    def lab(text: str, width: float = 43):
        return fit(active().label(text), P_LABEL, width)

    rows = [[lab("PDL"), site["meter_id"], lab("Option tarifaire", 93),
             OPTIONS.get(site.get("tariff_option") or "", "")],
            [lab("Adresse"), fit(site.get("site_address") or "", P_CELL, 207), "Puissances souscrites",
             fit(_powers_text(powers), P_CELL, 148)],
            [lab("Période"), f"{fr.d_dot(site['period_start'])} - {fr.d_dot(site['period_end'])}",
             "Puissance atteinte", f"{_n(kva)} kVA" if kva is not None else ""]]
    info = Table(rows, colWidths=[48, 212, 98, 153], style=_grid([
        ("BACKGROUND", (0, 0), (0, -1), FILL), ("BACKGROUND", (2, 0), (2, -1), FILL),
        ("FONT", (0, 0), (0, -1), BOLD, 7, 8.4), ("FONT", (2, 0), (2, -1), BOLD, 7, 8.4)]))
    return [Spacer(1, 4), bar, Spacer(1, 3), info, Spacer(1, 4)]


def _readings(site: dict) -> Table:
    rows = [["Poste", "Index début", "Index fin", "Relevé", "Consommation (kWh)"]]
    for r in site["readings"]:
        rows.append([READING_NAMES.get(r["period"], r["period"]), _n(r["index_start"]), _n(r["index_end"]),
                     "Estimé" if r.get("reading_type") == "estimated" else "Réel", _n(r["kwh"])])
    rows.append(["Total", "", "", "", _n(sum(r["kwh"] for r in site["readings"]))])
    last = len(rows) - 1
    return Table(rows, colWidths=[150, 88, 88, 70, 115], style=_grid([
        ("BACKGROUND", (0, 0), (-1, 0), FILL), ("FONT", (0, 0), (-1, 0), BOLD, 7, 8.4),
        ("FONT", (0, last), (-1, last), BOLD, 7, 8.4), ("ALIGN", (1, 1), (2, -1), "RIGHT"),
        ("ALIGN", (4, 1), (4, -1), "RIGHT")]))


def _lines(site: dict, index: int) -> Table:
    col = active().column
    widths = [200, 36, 62, 32, 62, 82, 37]
    names = [col("Libellé"), "Poste", col("Quantité"), "Unité", col("PU HT"), col("Montant HT (€)"), "TVA"]
    rows = [[fit(n, P_LABEL, w - 5) for n, w in zip(names, widths, strict=True)]]
    added = extra_column(site["lines"])
    if added:
        widths = [156, 36, 62, 32, 62, 82, 44, 37]
        rows[0].insert(6, fit(added[0], P_LABEL, 39))
    for i, x in enumerate(site["lines"]):
        q = x["quantity"]
        decimals = 3 if x["unit"] == "MWh" else (0 if q is None or float(q).is_integer() else 2)
        rows.append([fit(x["label"], P_CELL, widths[0] - 5), x.get("period") or "", "" if q is None else _n(q, decimals),
                     UNITS.get(x["unit"], x["unit"] or "") if x["unit"] else "",
                     "" if x["unit_price"] is None else _n(x["unit_price"], PRICE_DECIMALS.get(x["unit"], 5)),
                     _n(x["amount_excl_tax"], 2), "" if x["vat_rate"] is None else
                     f"{fr.number(x['vat_rate'] * 100, 1)} %"])
        if added:
            rows[-1].insert(6, added[1][i])
    rows.append([f"Total HT du site {index}", "", "", "", "", _n(site["total_excl_tax"], 2)] + [""] * (len(widths) - 6))
    last = len(rows) - 1
    rows, widths = vat_before_amount(rows, widths, 5)
    return Table(rows, colWidths=widths, repeatRows=1, style=_grid([
        ("BACKGROUND", (0, 0), (-1, 0), FILL), ("FONT", (0, 0), (-1, 0), BOLD, 7, 8.4),
        ("BACKGROUND", (0, last), (-1, last), FILL), ("FONT", (0, last), (-1, last), BOLD, 7.2, 8.64),
        ("SPAN", (0, last), (4, last)), ("ALIGN", (2, 1), (2, -1), "RIGHT"), ("ALIGN", (4, 1), (5, -1), "RIGHT")]))


def _site_section(truth: dict, decoration: dict, index: int) -> list:
    site = truth["sites"][index - 1]
    powers = (decoration.get("powers") or [None] * len(truth["sites"]))[index - 1]
    head = _site_header(site, index, len(truth["sites"]), powers)
    if truth["document_type"] == "credit_note":
        head = head[:-1] + [Paragraph(f"Consommation annulée : {_n(site['consumption_kwh'])} kWh", P_TEXT),
                            Spacer(1, 3.9)]
    elif site["readings"]:
        head += [_readings(site), Spacer(1, 4)]
    fill = [FillTo(70)] if index == 1 and active().page_break else []
    return [KeepTogether(head), *fill, _lines(site, index)]


def render(truth: dict, decoration: dict) -> bytes:
    """PDF bytes of a Nordis multi-site invoice or credit note."""
    credit = truth["document_type"] == "credit_note"
    amounts = [Paragraph("Montant de votre avoir" if credit else "Montant de votre facture", H_SECTION),
               _amounts(truth, decoration)]
    moved = active().totals_moved
    story: list = [_top(truth, decoration), Spacer(1, 6), *([] if moved else amounts),
                   Paragraph("Informations", H_INFO), Paragraph(INFO, P_TEXT),
                   Paragraph("Récapitulatif par site", H_RECAP), _summary(truth), Spacer(1, 6),
                   Paragraph(NOTE, P_NOTE), *(amounts if moved else [])]
    count = len(truth["sites"])
    for index in range(1, count + 1):
        if index == 1 or count <= SITES_PER_PAGE_LIMIT:
            story.append(PageBreak())
        story += _site_section(truth, decoration, index)
    heading = f"{'Avoir' if credit else 'Facture'} multisite {truth['invoice_number']}"

    def decorate(canvas, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFillColor(GOLD)
        canvas.rect(36, PAGE_H - 52, 5, 30, stroke=0, fill=1)
        canvas.setFillColor(NAVY)
        canvas.setFont(BOLD, 15)
        canvas.drawString(48, PAGE_H - 36, "NORDIS")
        canvas.setFont(REG, 15)
        canvas.drawString(48 + canvas.stringWidth("NORDIS ", BOLD, 15), PAGE_H - 36, "Énergies")
        canvas.setFont(REG, 7)
        canvas.drawString(48, PAGE_H - 48, "Électricité pour les entreprises multisites")
        canvas.setFont(BOLD, 8)
        canvas.drawRightString(PAGE_W - 36, PAGE_H - 34, heading)
        canvas.setFont(REG, 7.5)
        canvas.drawRightString(PAGE_W - 36, PAGE_H - 46, f"{page}/{total}")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(36, 34, PAGE_W - 36, 34)
        canvas.setFillColor(GREY)
        canvas.setFont(REG, 6)
        canvas.drawString(36, 24, FOOT)
        canvas.restoreState()

    title = f"{'Avoir' if credit else 'Facture'} multisite Nordis Énergies"
    return build_pdf(story, decorate, title=title, author="Nordis Énergies", margins=(36, 36, 62, 42),
                     first_top=75)
