"""Structured data first: read the invoice from an embedded Factur-X / ZUGFeRD CII XML.

The XML (EN 16931, Cross Industry Invoice) is taken with factur-x's ``get_xml_from_pdf`` and
read with lxml. Energy specifics the standard has no field for are taken where suppliers put
them: the delivery point (PRM/PCE) in ``ShipToTradeParty/ID`` (per line for multi-site
invoices, in the header otherwise), the billing period in ``BillingSpecifiedPeriod``; line
categories and periods come from the matching supplier template's label rules.

The profile is read from the guideline id (``GuidelineSpecifiedDocumentContextParameter/ID``):
MINIMUM and BASIC WL carry no lines, so the caller takes the header and totals from the XML and the
sites and lines from the printed layout. Only invoice XML files are read: ``order-x.xml`` is an
order (Order-X), not an invoice. A credit note's signs are decided once for the document: amounts
given positive (the type code says "credit") are all negated, a line given negative included; amounts
given already negative are kept. A unit price is per ``BasisQuantity`` units when one is given.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from collecte.invoices.template import Template, rx

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
XML_NAMES = {"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"}  # invoices; order-x.xml is an order
ORDER_NAMES = {"order-x.xml"}
LINELESS_PROFILES = {"minimum", "basicwl"}
UNIT_CODES = {
    "KWH": "kWh", "MWH": "MWh", "DAY": "day", "MON": "month", "C62": "unit", "H87": "unit",
    "XPP": "unit", "KVA": "kVA", "K3": "kvarh", "MTQ": "m3", "HUR": "hour",
}  # fmt: skip
CREDIT_NOTE_CODES = {"381", "261", "396", "532"}
DEFAULT_CATEGORIES = [
    (r"(?i)^contribution tarifaire|accise|^taxe|^CTA", "tax"),
    (r"(?i)^abonnement|part fixe fourniture", "subscription"),
    (r"(?i)capacit", "capacity"),
    (r"(?i)acheminement|TURPE|ATRD|ATRT|stockage|soutirage|composante", "network"),
    (r"(?i)énergie|electricité|électricité|consommation|gaz naturel", "energy"),
]


def _text(node, path: str) -> str | None:
    found = node.find(path, NS)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _num(node, path: str) -> int | float | None:
    t = _text(node, path)
    if t is None:
        return None
    v = float(t)
    return int(v) if re.fullmatch(r"-?\d+", t) else v


def _date(node, path: str) -> str | None:
    t = _text(node, path)
    if not t:
        return None
    try:
        return datetime.strptime(t[:8], "%Y%m%d").date().isoformat()
    except ValueError:
        return date.fromisoformat(t[:10]).isoformat()


def _signed(v, sign: int):
    return v * sign if isinstance(v, (int, float)) and v != 0 else v


def profile_of(guideline: str | None) -> str:
    """The Factur-X profile of a guideline id: minimum, basicwl, basic, en16931, extended or unknown."""
    g = (guideline or "").strip().lower()
    for name in ("minimum", "basicwl", "extended"):
        if g.endswith(f":{name}") or f"1p0:{name}" in g:
            return name
    if g.endswith(":basic"):
        return "basic"
    if g.startswith("urn:cen.eu:en16931:2017"):
        return "en16931"
    return "unknown"


def _price(item) -> int | float | None:
    """Net unit price, per unit even when the XML gives it per ``BasisQuantity`` units (per 100 kWh...)."""
    from decimal import Decimal

    node = item.find("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice", NS)
    if node is None:
        return None
    charge = _text(node, "ram:ChargeAmount")
    basis = _text(node, "ram:BasisQuantity")
    if charge is None:
        return None
    if basis is None or Decimal(basis) in (0, 1):
        return _num(node, "ram:ChargeAmount")
    value = Decimal(charge) / Decimal(basis)
    return int(value) if value == value.to_integral_value() else float(round(value, 9))


def has_facturx(attachments: list[str]) -> bool:
    """Whether one of the PDF's attachments is a Factur-X / ZUGFeRD / XRechnung XML."""
    return any(a.lower() in XML_NAMES for a in attachments)


def _template_for(seller: str, templates: tuple[Template, ...]) -> Template | None:
    best, best_score = None, 0.0
    for tpl in templates:
        score = sum(w for p, w in tpl.detect.keywords if rx(f"(?i){p}").search(seller))
        score = max(score, 1.0 if seller.lower().startswith(tpl.name.lower()) else 0.0)
        if score > best_score:
            best, best_score = tpl, score
    return best


def _rules(tpl: Template | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    if tpl is None:
        return DEFAULT_CATEGORIES, [], ["energy", "network"]
    spec = tpl.sites.lines
    return list(spec.categories), list(spec.periods), list(spec.period_categories)


def _first(rules: list[tuple[str, str]], text: str) -> str | None:
    return next((code for p, code in rules if rx(p).search(text)), None)


def parse_cii(
    xml: bytes, templates: tuple[Template, ...] = (), name: str = "<memory>"
) -> tuple[dict, list[str]]:
    """Read a CII XML into the invoice contract's dict; also return problems found on the way."""
    from lxml import etree  # lxml comes with factur-x; only needed on this road

    root = etree.parse(io.BytesIO(xml)).getroot()
    problems: list[str] = []
    doc = root.find("rsm:ExchangedDocument", NS)
    tx = root.find("rsm:SupplyChainTradeTransaction", NS)
    if doc is None or tx is None:
        raise ValueError("not a Cross Industry Invoice (no ExchangedDocument / SupplyChainTradeTransaction)")
    agreement = tx.find("ram:ApplicableHeaderTradeAgreement", NS)
    delivery = tx.find("ram:ApplicableHeaderTradeDelivery", NS)
    settlement = tx.find("ram:ApplicableHeaderTradeSettlement", NS)
    seller = _text(agreement, "ram:SellerTradeParty/ram:Name") or ""
    tpl = _template_for(seller, templates)
    categories, periods, period_cats = _rules(tpl)
    credit = (_text(doc, "ram:TypeCode") or "380") in CREDIT_NOTE_CODES
    sums = settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    totals = [
        _num(sums, "ram:TaxBasisTotalAmount"),
        _num(sums, "ram:TaxTotalAmount"),
        _num(sums, "ram:GrandTotalAmount"),
    ]
    # a credit note given with positive amounts (the type code says "credit"): negate everything
    reference = next((t for t in (totals[2], totals[0]) if t is not None), 0)
    sign = -1 if credit and reference > 0 else 1
    head_meter = _text(delivery, "ram:ShipToTradeParty/ram:ID") if delivery is not None else None
    head_start = _date(settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString")
    head_end = _date(settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString")
    sites: dict[str, dict] = {}
    for item in tx.findall("ram:IncludedSupplyChainTradeLineItem", NS):
        label = _text(item, "ram:SpecifiedTradeProduct/ram:Name") or ""
        ldel = item.find("ram:SpecifiedLineTradeDelivery", NS)
        lset = item.find("ram:SpecifiedLineTradeSettlement", NS)
        meter = (
            (_text(ldel, "ram:ShipToTradeParty/ram:ID") if ldel is not None else None)
            or head_meter
            or "unknown"
        )
        qty_node = ldel.find("ram:BilledQuantity", NS) if ldel is not None else None
        qty = _num(ldel, "ram:BilledQuantity") if ldel is not None else None
        unit = (
            UNIT_CODES.get(qty_node.get("unitCode", ""), qty_node.get("unitCode"))
            if qty_node is not None
            else None
        )
        rate = _num(lset, "ram:ApplicableTradeTax/ram:RateApplicablePercent")
        amount = _num(lset, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
        category = _first(categories, label)
        if category is None:
            problems.append(f"{name}: Factur-X line '{label}': category not recognised by the template")
            category = "other"
        line = {
            "category": category,
            "label": label,
            "period": _first(periods, label) if category in period_cats else None,
            "quantity": _signed(qty, sign),
            "unit": unit,
            "unit_price": _price(item),
            "amount_excl_tax": _signed(amount, sign),
            "vat_rate": round(rate / 100, 6) if rate is not None else None,
        }
        if line["quantity"] is None:
            line["unit"] = None
        site = sites.setdefault(
            meter,
            {
                "meter_id": meter,
                "site_name": _text(ldel, "ram:ShipToTradeParty/ram:Name") if ldel is not None else None,
                "site_address": None,
                "period_start": _date(lset, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString")
                or head_start,
                "period_end": _date(lset, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString")
                or head_end,
                "tariff_option": None,
                "subscribed_power_kva": None,
                "max_power_kva": None,
                "consumption_kwh": 0,
                "readings": [],
                "lines": [],
                "total_excl_tax": 0.0,
            },
        )
        site["lines"].append(line)
    for site in sites.values():
        site["total_excl_tax"] = round(sum(ln["amount_excl_tax"] or 0 for ln in site["lines"]), 2)
        kwh = 0.0
        for ln in site["lines"]:
            if ln["category"] == "energy" and ln["quantity"] is not None:
                kwh += ln["quantity"] * (1000 if ln["unit"] == "MWh" else 1 if ln["unit"] == "kWh" else 0)
        site["consumption_kwh"] = int(kwh) if float(kwh).is_integer() else round(kwh, 3)
        if site["meter_id"] == "unknown":
            problems.append(f"{name}: the Factur-X XML gives no delivery point (ShipToTradeParty/ID)")
    if len(sites) == 1 and delivery is not None:
        only = next(iter(sites.values()))
        only["site_name"] = only["site_name"] or _text(delivery, "ram:ShipToTradeParty/ram:Name")
        addr = delivery.find("ram:ShipToTradeParty/ram:PostalTradeAddress", NS)
        if addr is not None:
            street = _text(addr, "ram:LineOne")
            city = " ".join(x for x in (_text(addr, "ram:PostcodeCode"), _text(addr, "ram:CityName")) if x)
            only["site_address"] = ", ".join(x for x in (street, city) if x) or None
    totals = [_signed(t, sign) for t in totals]
    energy = "gas" if tpl is not None and tpl.energy == "gas" else "electricity"
    if tpl is None and re.search(r"(?i)\bgaz\b", seller):
        energy = "gas"
    invoice = {
        "supplier": tpl.code
        if tpl is not None
        else re.sub(r"\W+", "_", seller.lower()).strip("_") or "unknown",
        "document_type": "credit_note" if credit else "invoice",
        "invoice_number": _text(doc, "ram:ID"),
        "invoice_date": _date(doc, "ram:IssueDateTime/udt:DateTimeString"),
        "due_date": _date(
            settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
        ),
        "customer_account": _text(agreement, "ram:BuyerReference")
        or _text(agreement, "ram:BuyerTradeParty/ram:ID"),
        "customer_name": _text(agreement, "ram:BuyerTradeParty/ram:Name"),
        "energy": energy,
        "currency": _text(settlement, "ram:InvoiceCurrencyCode") or "EUR",
        "total_excl_tax": totals[0],
        "total_vat": totals[1],
        "total_incl_tax": totals[2],
        "sites": list(sites.values()),
        "_profile": profile_of(
            _text(root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
        ),
    }
    return invoice, problems


def read_facturx(
    pdf: bytes, *, name: str, templates: tuple[Template, ...], attachments: list[str] | None = None
) -> tuple[dict, list[str]] | None:
    """The invoice from the PDF's embedded XML, or None when there is none (or it is not CII)."""
    if attachments is not None and not has_facturx(attachments):
        return None
    from facturx import get_xml_from_pdf

    try:
        _fname, xml = get_xml_from_pdf(pdf, check_xsd=False, filenames=sorted(XML_NAMES))
    except Exception:
        return None
    if not xml:
        return None
    try:
        return parse_cii(xml, templates, name)
    except Exception:  # not CII (e.g. UBL) or broken: fall back to the printed layout
        return None


def guideline(xml_invoice: dict) -> str:
    """The profile ``parse_cii`` recorded (popped from the dict so the record keeps the contract's shape)."""
    return xml_invoice.pop("_profile", "unknown")
