"""Print an Azur invoice or credit note from its truth dict (the layout of the Azur samples)."""

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
    font,
    style,
    vat_before_amount,
)

NNBSP = "\u202f"
BLUE = colors.HexColor("#1D5FA8")
GREY = colors.HexColor("#666666")
REG, BOLD = font("DejaVuSansCondensed"), font("DejaVuSansCondensed-Bold")

H_SECTION = style("a_h", BOLD, 11, 13.2, textColor=BLUE, spaceBefore=10, spaceAfter=3.75)
P_BODY = style("a_p", REG, 8.5, 11)
P_SMALL_GREY = style("a_sg", REG, 7.5, 9.5, textColor=GREY)
P_CELL = style("a_cell", REG, 8, 9.8)
P_KV = style("a_kv", REG, 8, 10.2)
P_HEAD = style("a_head", BOLD, 8, 9.6, textColor=BLUE, alignment=2)
P_KV_LABEL = style("a_kv_label", REG, 8.5, 10.0, textColor=GREY)
UNIT_TEXT = {"month": "mois", "kWh": "kWh", "MWh": "MWh", "kVA": "kVA", "unit": "forfait", "day": "jours"}
PRICE_UNIT = {"month": "€/mois", "kWh": "€/kWh", "MWh": "€/MWh", "kVA": "€/kVA", "unit": "€/u", "day": "€/jour"}
PRICE_DECIMALS = {"kWh": 5}
GROUPS = [("Fourniture d'électricité", ("subscription", "energy", "capacity"), "fourniture d'électricité"),
          ("Acheminement - utilisation du réseau public (TURPE)", ("network",), "acheminement"),
          ("Taxes et contributions", ("tax",), "taxes et contributions"),
          ("Autres prestations", ("other",), "autres prestations")]
READING_NAMES = {"HPH": "Heures Pleines Hiver (HPH)", "HCH": "Heures Creuses Hiver (HCH)",
                 "HPB": "Heures Pleines Été (HPB)", "HCB": "Heures Creuses Été (HCB)",
                 "HP": "Heures Pleines (HP)", "HC": "Heures Creuses (HC)", "BASE": "Base"}
TARIFFS = {"4P": "Tarif 4 postes horosaisonnier (HPH / HCH / HPB / HCB)",
           "HPHC": "Option Heures Pleines / Heures Creuses", "BASE": "Option Base"}
LEGAL = ("Conformément à l'article L. 441-10 du code de commerce, tout retard de paiement entraîne des pénalités "
         "au taux de trois fois le taux d'intérêt légal et une indemnité forfaitaire de 40 € pour frais de "
         "recouvrement. Pas d'escompte pour paiement anticipé.")
FOOT = ("Azur Électricité SA - 12 promenade des Mimosas, 06000 Nice - RCS Nice 800 000 002 - capital social "
        "5 000 000 €")


def _n(value, decimals: int = 0) -> str:
    return fr.number(value, decimals, " ")


def _eur(value) -> str:
    return f"{fr.number(value, 2, NNBSP)} €"


def _plain(padding: tuple[float, float] = (0, 0), extra: list | None = None, size: float = 8.3,
           leading: float = 9.96) -> TableStyle:
    top, bottom = padding
    return TableStyle([("FONT", (0, 0), (-1, -1), REG, size, leading), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                       ("TOPPADDING", (0, 0), (-1, -1), top), ("BOTTOMPADDING", (0, 0), (-1, -1), bottom)]
                      + (extra or []))


def _draw_header(canvas, truth: dict, decoration: dict) -> None:
    credit = truth["document_type"] == "credit_note"
    title = "Avoir" if credit else ("Facture de régularisation" if decoration.get("kind") == "regularisation"
                                    else "Facture d'électricité")
    canvas.setFillColor(BLUE)
    canvas.setFont(BOLD, 21)
    canvas.drawString(51.14, PAGE_H - 70, "Azur Électricité")
    canvas.setFillColor(GREY)
    canvas.setFont(REG, 7.5)
    canvas.drawString(51.14, PAGE_H - 81.5, "L'électricité des entreprises et des collectivités")
    canvas.setFillColor(colors.black)
    canvas.setFont(BOLD, 12)
    canvas.drawRightString(544.14, PAGE_H - 61, title)
    canvas.setFont(REG, 8.5)
    canvas.drawRightString(544.14, PAGE_H - 72.5, f"n° {truth['invoice_number']}")
    canvas.drawRightString(544.14, PAGE_H - 83.5, f"émise le {fr.d_long(truth['invoice_date'])}")


def _customer(truth: dict, decoration: dict) -> Table:
    credit = truth["document_type"] == "credit_note"
    left = [Paragraph("Titulaire du contrat", P_SMALL_GREY),
            Paragraph(truth["customer_name"] or "", style("a_name", BOLD, 8.5, 11)),
            Paragraph("<br/>".join(decoration.get("customer_address", [])), P_BODY), Spacer(1, 4)]
    if truth.get("customer_account"):
        left.append(Paragraph(f"{active().label('Référence client')} : <font name='{BOLD}'>{truth['customer_account']}</font>",
                              P_BODY))
    big = style("a_big", BOLD, 17, 21.0, textColor=BLUE)
    right = [Paragraph("Montant de l'avoir" if credit else "Montant à payer", P_SMALL_GREY),
             Paragraph(f"{_eur(truth['total_incl_tax'])} TTC", big)]
    if credit:
        right.append(Paragraph(f"Rectifie la facture n° {decoration.get('original_number', '')} du "
                               f"{fr.d_long(decoration['original_date'])}" if decoration.get("original_date")
                               else "Rectifie une facture antérieure", P_BODY))
        right.append(Paragraph(f"(motif : {decoration.get('reason', 'erreur de facturation')})", P_BODY))
        right += [Paragraph("Ce montant sera remboursé par virement sous 15 jours.", P_BODY)]
    elif truth.get("due_date"):
        right.append(Paragraph(f"à régler au plus tard le {fr.d_long(truth['due_date'])}", P_BODY))
    return Table([[left, right]], colWidths=[275, 218],
                 style=_plain(extra=[("RIGHTPADDING", (1, 0), (1, 0), 8)]))


def _prm(meter_id: str) -> str:
    return " ".join(meter_id[i:i + 4] for i in range(0, len(meter_id), 4))


def _site(site: dict, decoration: dict) -> Table:
    option = site.get("tariff_option") or ""

    def lab(text: str):
        return fit(active().label(text), P_KV_LABEL, 126)

    rows = [[lab("Point de livraison (PRM)"), _prm(site["meter_id"])]]
    if site.get("site_name"):
        rows.append([lab("Site"), fit(site["site_name"], P_KV, 363)])
    if site.get("site_address"):
        rows.append([lab("Adresse"), fit(site["site_address"], P_KV, 363)])
    rows.append([lab("Tarif"), TARIFFS.get(option, option)])
    powers = decoration.get("powers")
    if option == "4P" and powers:
        rows.append(["Puissances souscrites", "  ·  ".join(f"{p} {_n(v)} kVA" for p, v in powers.items())])
    elif site.get("subscribed_power_kva") is not None:
        rows.append(["Puissance souscrite", f"{_n(site['subscribed_power_kva'])} kVA"])
    if site.get("max_power_kva") is not None:
        rows.append(["Puissance maximale atteinte", f"{_n(site['max_power_kva'])} kVA"])
    rows.append([lab("Période de facturation"),
                 f"du {fr.d_long(site['period_start'])} au {fr.d_long(site['period_end'])}"])
    return Table(rows, colWidths=[130, 363.28], hAlign="LEFT", style=_plain(
        (1.6, 1.6), [("FONT", (0, 0), (-1, -1), REG, 8.5, 10.0), ("TEXTCOLOR", (0, 0), (0, -1), GREY)]))


def _readings(site: dict) -> Table:
    import datetime as dt

    end_day = fr.iso(site["period_end"]) + dt.timedelta(days=1)
    rows = [["Poste", "Relevé du", "Index", "Relevé du", "Index", "Nature", "Consommation"]]
    for r in site["readings"]:
        rows.append([READING_NAMES.get(r["period"], r["period"]), fr.d_slash(site["period_start"]),
                     _n(r["index_start"]), fr.d_slash(end_day), _n(r["index_end"]),
                     "estimé" if r.get("reading_type") == "estimated" else "réel", f"{_n(r['kwh'])} kWh"])
    return Table(rows, colWidths=[139, 60, 42, 72, 45, 61, 68], hAlign="LEFT", style=_plain((1.8, 1.8), [
        ("FONT", (0, 0), (-1, 0), BOLD, 8, 9.6), ("TEXTCOLOR", (0, 0), (-1, 0), BLUE),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"), ("ALIGN", (4, 0), (4, -1), "RIGHT"), ("ALIGN", (6, 0), (6, -1), "RIGHT"),
        ("LEFTPADDING", (3, 0), (3, -1), 15), ("LEFTPADDING", (5, 0), (5, -1), 15)]))


def _price(x: dict) -> str:
    if x["unit_price"] is None:
        return ""
    return f"{_n(x['unit_price'], PRICE_DECIMALS.get(x['unit'], 2))} {PRICE_UNIT.get(x['unit'], '€')}"


def _quantity(x: dict) -> str:
    q = x["quantity"]
    if q is None:
        return ""
    decimals = 3 if x["unit"] == "MWh" else (0 if float(q).is_integer() else 2)
    return f"{_n(q, decimals)} {UNIT_TEXT.get(x['unit'], x['unit'] or '')}".strip()


def _vat(rate: float | None) -> str:
    if rate is None:
        return ""
    pct = rate * 100
    return f"{fr.number(pct, 0 if float(pct).is_integer() else 1)} %"


def _detail(site: dict) -> list:
    col = active().column
    widths = [150, 60, 84, 92, 70, 31]
    names = [col("Libellé"), "", col("Quantité"), col("Prix unitaire HT"), col("Montant HT"), col("TVA")]
    added = extra_column(site["lines"])
    if added:
        widths = [150, 16, 84, 92, 70, 44, 31]
        names.insert(5, fit(added[0], P_HEAD, 44))
    values = dict(zip(map(id, site["lines"]), added[1] if added else [], strict=False))
    names = [n if i < 2 or not isinstance(n, str) else fit(n, P_HEAD, w) for i, (n, w) in
             enumerate(zip(names, widths, strict=True))]
    (names,), head_widths = vat_before_amount([names], widths, 4)
    head = Table([names], colWidths=head_widths, hAlign="LEFT", style=_plain((1.8, 1.8), [
                     ("FONT", (0, 0), (-1, -1), BOLD, 8, 9.6), ("TEXTCOLOR", (0, 0), (-1, -1), BLUE),
                     ("ALIGN", (2, 0), (-1, -1), "RIGHT")]))
    out: list = [head]
    for title, categories, subtotal in GROUPS:
        items = [x for x in site["lines"] if x["category"] in categories]
        if not items:
            continue
        rows = [[title] + [""] * (len(widths) - 1)]
        for x in items:
            rows.append([fit(x["label"], P_CELL, widths[0] + widths[1]), "", _quantity(x), _price(x),
                         _eur(x["amount_excl_tax"]), _vat(x["vat_rate"])])
            if added:
                rows[-1].insert(5, values[id(x)])
        total = round(sum(x["amount_excl_tax"] for x in items), 2)
        rows.append([f"Sous-total {subtotal}", "", "", "", _eur(total)] + [""] * (len(widths) - 5))
        last = len(rows) - 1
        extra = [("FONT", (0, 0), (-1, 0), BOLD, 8.3, 9.96), ("TEXTCOLOR", (0, 0), (-1, 0), BLUE),
                 ("SPAN", (0, 0), (-1, 0)), ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                 ("FONT", (0, last), (-1, last), BOLD, 8.3, 9.96), ("SPAN", (0, last), (3, last)),
                 ("ALIGN", (0, last), (3, last), "RIGHT")]
        extra += [("SPAN", (0, r), (1, r)) for r in range(1, last)]
        rows, group_widths = vat_before_amount(rows, widths, 4)
        out += [Table(rows, colWidths=group_widths, hAlign="LEFT",
                      style=_plain((1.8, 1.8), extra)), Spacer(1, 4.2)]
    return out


def _recap(truth: dict) -> KeepTogether:
    rows = [["Base HT", "Taux", "Montant TVA"]]
    for rate, base, vat in vat_breakdown(truth["sites"]):
        rows.append([_eur(base), f"{fr.number(float(rate) * 100, 1)} %", _eur(vat)])
    left = Table(rows, colWidths=[84.14, 50, 90], style=_plain((1.8, 1.8), [
        ("FONT", (0, 0), (-1, 0), BOLD, 8, 9.6), ("ALIGN", (0, 0), (-1, -1), "RIGHT")]))
    lab = active().label
    right = Table([[lab("Total hors TVA"), _eur(truth["total_excl_tax"])], [lab("Total TVA"), _eur(truth["total_vat"])],
                   ["Total TTC", _eur(truth["total_incl_tax"])]], colWidths=[100, 94], style=_plain((1.8, 1.8), [
                       ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONT", (0, 2), (-1, 2), BOLD, 10, 12),
                       ("TEXTCOLOR", (0, 2), (-1, 2), BLUE)]))
    outer = Table([[left, right]], colWidths=[270.14, 223.14], hAlign="LEFT", style=_plain((3.05, 0)))
    return KeepTogether([Paragraph("Récapitulatif TVA", H_SECTION), outer, Spacer(1, 13),
                         Paragraph(LEGAL, style("a_legal", REG, 7.5, 9.5))])


def render(truth: dict, decoration: dict) -> bytes:
    """PDF bytes of an Azur invoice or credit note."""
    credit = truth["document_type"] == "credit_note"
    site = truth["sites"][0]
    story: list = [_customer(truth, decoration), Spacer(1, 9),
                   Paragraph("Votre site", H_SECTION), _site(site, decoration)]
    if credit:
        story.append(Paragraph(f"Énergie annulée : <font name='{BOLD}'>{_n(site['consumption_kwh'])} kWh</font>",
                               style("a_conso_c", REG, 8.5, 11, spaceBefore=2.7)))
    else:
        if site["readings"]:
            story += [Paragraph("Vos index", H_SECTION), _readings(site)]
        story.append(Paragraph("Consommation totale de la période : "
                               f"<font name='{BOLD}'>{_n(site['consumption_kwh'])} kWh</font>",
                               style("a_conso", REG, 8.5, 11, spaceBefore=2.7)))
    drift = active()
    if drift.totals_moved:
        story.append(_recap(truth))
    story += [FillTo(90)] if drift.page_break else []
    story += [Paragraph("Détail de votre avoir" if credit else "Détail de votre facture", H_SECTION)]
    story += _detail(site)
    if not drift.totals_moved:
        story.append(_recap(truth))
    number = truth["invoice_number"]

    def decorate(canvas, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFillColor(GREY)
        canvas.setFont(REG, 6.5)
        canvas.drawString(45, 22, FOOT)
        canvas.drawRightString(PAGE_W - 45, 22, f"page {page} / {total}")
        if page == 1:
            _draw_header(canvas, truth, decoration)
        else:
            canvas.setFillColor(BLUE)
            canvas.setFont(BOLD, 9)
            canvas.drawString(45, PAGE_H - 30, "Azur Électricité")
            canvas.setFillColor(GREY)
            canvas.setFont(REG, 8)
            canvas.drawRightString(PAGE_W - 45, PAGE_H - 30, f"{'Avoir' if credit else 'Facture'} n° {number}")
        canvas.restoreState()

    doc_title = "Avoir" if credit else ("Facture de régularisation" if decoration.get("kind") == "regularisation"
                                        else "Facture d'électricité")
    return build_pdf(story, decorate, title=f"{doc_title} Azur Électricité", author="Azur Électricité",
                     margins=(45, 45, 40, 40), first_top=102)
