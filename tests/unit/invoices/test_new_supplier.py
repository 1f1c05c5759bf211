"""Adding a supplier is adding a YAML file: a made-up layout read by the same engine."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from collecte.invoices import extract_invoice
from collecte.invoices.template import TEMPLATES_DIR, load_templates

TEMPLATE = r"""
code: libres
name: Électrons Libres
energy: electricity
detect:
  keywords: [['ÉLECTRONS LIBRES', 0.7], ['Coopérative', 0.3]]
furniture: ['^ÉLECTRONS LIBRES$', '^Coopérative citoyenne$']
dates: ['%d-%m-%Y']
decimal: '.'
credit_note: '^AVOIR$'
fields:
  invoice_number: {anchor: '^Invoice no\.$'}
  invoice_date: {anchor: '^Date$', type: date}
  customer_name: {anchor: '^Customer$'}
  total_excl_tax: {anchor: '^Net total$', pick: last, type: number}
  total_vat: {anchor: '^VAT$', pick: last, type: number}
  total_incl_tax: {anchor: '^Gross total$', pick: last, type: number}
sites:
  total_from_invoice: true
  fields:
    meter_id: {anchor: '^PRM$', type: id}
    period: {anchor: '^Period$', type: date_range}
    consumption_kwh: {anchor: '^Consumption$', type: number}
  lines:
    table:
      header: '^Item$'
      columns:
        label: {header: '^Item$'}
        quantity: {header: '^Qty$'}
        unit_price: {header: '^Price$'}
        amount: {header: '^Amount$'}
        vat: {header: '^VAT %$'}
      key: amount
      label: label
      end: ['^Net total$']
    categories: [['^Energy', energy], ['^Subscription', subscription], ['^Excise', tax]]
    periods: [['\bpeak\b', 'HP']]
    units: {kWh: kWh, days: day}
"""


def _invoice() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(40, 800, "ÉLECTRONS LIBRES")
    c.setFont("Helvetica", 9)
    c.drawString(40, 786, "Coopérative citoyenne")
    rows = [("Invoice no.", "EL-7"), ("Date", "03-02-2026"), ("Customer", "Bakery Lemoine"),
            ("PRM", "1234 5678 9012 34"), ("Period", "01-01-2026 to 31-01-2026"), ("Consumption", "6,000 kWh")]  # fmt: skip
    y = 740
    for label, value in rows:
        c.drawString(40, y, label)
        c.drawString(160, y, value)
        y -= 14
    y -= 10
    for x, head in ((40, "Item"), (260, "Qty"), (340, "Price"), (420, "Amount"), (500, "VAT %")):
        c.drawString(x, y, head)
    lines = [("Subscription", "31 days", "0.5000", "15.50"), ("Energy peak hours", "6,000 kWh", "0.20000", "1,200.00"),
             ("Excise on electricity", "6,000 kWh", "0.03085", "185.10")]  # fmt: skip
    for label, qty, price, amount in lines:
        y -= 14
        c.drawString(40, y, label)
        c.drawRightString(300, y, qty)
        c.drawRightString(390, y, price)
        c.drawRightString(470, y, amount)
        c.drawString(500, y, "20 %")
    for label, value in (("Net total", "1,400.60"), ("VAT", "280.12"), ("Gross total", "1,680.72")):
        y -= 16
        c.drawString(340, y, label)
        c.drawRightString(470, y, value)
    c.save()
    return buf.getvalue()


def test_a_new_supplier_needs_only_a_template(tmp_path: Path) -> None:
    for existing in TEMPLATES_DIR.glob("*.yaml"):
        shutil.copy(existing, tmp_path)
    (tmp_path / "libres.yaml").write_text(TEMPLATE, encoding="utf-8")
    templates = load_templates(str(tmp_path))

    result = extract_invoice(_invoice(), name="el-7.pdf", templates=templates)

    assert result.source == "template:libres", result.reasons
    assert result.status == "ok", result.reasons
    inv = result.invoice
    assert (inv["invoice_number"], inv["invoice_date"], inv["customer_name"]) == (
        "EL-7",
        "2026-02-03",
        "Bakery Lemoine",
    )
    (site,) = inv["sites"]
    assert site["meter_id"] == "12345678901234"
    assert (site["period_start"], site["period_end"], site["consumption_kwh"]) == (
        "2026-01-01",
        "2026-01-31",
        6000,
    )
    assert [(ln["category"], ln["period"], ln["quantity"], ln["unit"]) for ln in site["lines"]] == [
        ("subscription", None, 31, "day"),
        ("energy", "HP", 6000, "kWh"),
        ("tax", None, 6000, "kWh"),
    ]
    # without the file, the same PDF matches no template, and the message says which came closest
    other = extract_invoice(_invoice(), name="el-7.pdf")
    assert other.status == "no_template" and "closest" in other.reasons[0]
