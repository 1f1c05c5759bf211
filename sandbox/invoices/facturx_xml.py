"""Factur-X (EN 16931, CII syntax): the truth as structured XML, embedded in the PDF.

Credit notes use type code 381 and keep the signs printed on the PDF (negative quantities and
amounts, positive unit prices). One CII line per truth line, with the site's billing period in the
line settlement period and a line note "PDL <id>" / "PCE <id>". The delivery point (PRM/PCE, name,
address) is the ShipToTradeParty: in the header for single-site invoices (profile EN 16931); per
line for multi-site invoices, which the EN 16931 profile does not allow, so Nordis invoices use the
EXTENDED profile (a superset of EN 16931), where CTA lines also carry no quantity. In EN 16931 a
line needs a quantity: CTA lines are 1 (-1 for a credit note) "C62" at the CTA amount.
"""

from __future__ import annotations

import re
from decimal import Decimal
from xml.sax.saxutils import escape

from sandbox.invoices.lines import vat_breakdown
from sandbox.invoices.money import dec

SELLERS = {
    "volta": ("Volta Énergie SAS", "FR00900000001", "3 quai des Turbines", "44200", "Nantes"),
    "azur": ("Azur Électricité SA", "FR00800000002", "12 promenade des Mimosas", "06000", "Nice"),
    "gazelec": ("GazÉlec Pro SAS", "FR00800000003", "8 rue des Gazomètres", "69007", "Lyon"),
    "nordis": ("Nordis Énergies SAS", "FR00800000004", "5 place du Septentrion", "59000", "Lille"),
}
GUIDELINES = {False: "urn:cen.eu:en16931:2017",
              True: "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"}
UNIT_CODES = {"kWh": "KWH", "MWh": "MWH", "day": "DAY", "month": "MON", "kVA": "KVA", "kvarh": "K3",
              "unit": "C62", "m3": "MTQ"}
NS = ('xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
      'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" '
      'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
      'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"')


def _date(iso: str) -> str:
    return f'<udt:DateTimeString format="102">{iso.replace("-", "")}</udt:DateTimeString>'


def _amount(value) -> str:
    return f"{dec(value).quantize(Decimal('0.01'))}"


def _pct(rate) -> str:
    return f"{(dec(rate) * 100).normalize():f}"


def _address(site: dict) -> str:
    text = site.get("site_address") or ""
    street, _, place = text.rpartition(", ")
    found = re.fullmatch(r"(\d{5}) (.+)", place)
    if not found:
        return "<ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>" if not text else (
            f"<ram:PostalTradeAddress><ram:LineOne>{escape(text)}</ram:LineOne>"
            "<ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>")
    return (f"<ram:PostalTradeAddress><ram:PostcodeCode>{found.group(1)}</ram:PostcodeCode>"
            + (f"<ram:LineOne>{escape(street)}</ram:LineOne>" if street else "")
            + f"<ram:CityName>{escape(found.group(2))}</ram:CityName><ram:CountryID>FR</ram:CountryID>"
            "</ram:PostalTradeAddress>")


def _ship_to(site: dict) -> str:
    name = f"<ram:Name>{escape(site['site_name'])}</ram:Name>" if site.get("site_name") else ""
    return f"<ram:ShipToTradeParty><ram:ID>{escape(site['meter_id'])}</ram:ID>{name}{_address(site)}</ram:ShipToTradeParty>"


def _line_item(number: int, site: dict, x: dict, energy: str, extended: bool) -> str:
    quantity, unit, price = x["quantity"], x["unit"], x["unit_price"]
    if price is None:  # CTA: a lump sum
        price = abs(x["amount_excl_tax"])
    if quantity is None and not extended:
        quantity, unit = (-1 if x["amount_excl_tax"] < 0 else 1), "unit"
    billed = ("" if quantity is None else
              f'<ram:BilledQuantity unitCode="{UNIT_CODES.get(unit, "C62")}">{dec(quantity).normalize():f}</ram:BilledQuantity>')
    point = "PCE" if energy == "gas" else "PDL"
    return (
        "<ram:IncludedSupplyChainTradeLineItem>"
        f"<ram:AssociatedDocumentLineDocument><ram:LineID>{number}</ram:LineID>"
        f"<ram:IncludedNote><ram:Content>{point} {escape(site['meter_id'])}</ram:Content></ram:IncludedNote>"
        "</ram:AssociatedDocumentLineDocument>"
        f"<ram:SpecifiedTradeProduct><ram:Name>{escape(x['label'])}</ram:Name></ram:SpecifiedTradeProduct>"
        "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>"
        f"<ram:ChargeAmount>{dec(price).normalize():f}</ram:ChargeAmount>"
        "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        f"<ram:SpecifiedLineTradeDelivery>{billed}{_ship_to(site) if extended else ''}</ram:SpecifiedLineTradeDelivery>"
        "<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode>"
        f"<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{_pct(x['vat_rate'])}</ram:RateApplicablePercent>"
        "</ram:ApplicableTradeTax>"
        f"<ram:BillingSpecifiedPeriod><ram:StartDateTime>{_date(site['period_start'])}</ram:StartDateTime>"
        f"<ram:EndDateTime>{_date(site['period_end'])}</ram:EndDateTime></ram:BillingSpecifiedPeriod>"
        "<ram:SpecifiedTradeSettlementLineMonetarySummation>"
        f"<ram:LineTotalAmount>{_amount(x['amount_excl_tax'])}</ram:LineTotalAmount>"
        "</ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>"
        "</ram:IncludedSupplyChainTradeLineItem>")


def cii_xml(truth: dict) -> bytes:
    """The EN 16931 CII XML of an invoice truth."""
    name, vat_id, street, postcode, city = SELLERS[truth["supplier"]]
    credit = truth["document_type"] == "credit_note"
    extended = len(truth["sites"]) > 1
    items, number = [], 0
    for site in truth["sites"]:
        for x in site["lines"]:
            number += 1
            items.append(_line_item(number, site, x, truth["energy"], extended))
    taxes = "".join(
        f"<ram:ApplicableTradeTax><ram:CalculatedAmount>{_amount(vat)}</ram:CalculatedAmount>"
        f"<ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{_amount(base)}</ram:BasisAmount>"
        f"<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{_pct(rate)}</ram:RateApplicablePercent>"
        "</ram:ApplicableTradeTax>" for rate, base, vat in vat_breakdown(truth["sites"]))
    starts = min(s["period_start"] for s in truth["sites"])
    ends = max(s["period_end"] for s in truth["sites"])
    buyer_ref = (f"<ram:BuyerReference>{escape(truth['customer_account'])}</ram:BuyerReference>"
                 if truth.get("customer_account") else "")
    terms = (f"<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>{_date(truth['due_date'])}</ram:DueDateDateTime>"
             "</ram:SpecifiedTradePaymentTerms>" if truth.get("due_date") else "")
    total = _amount(truth["total_excl_tax"])
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice {NS}>'
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        f"<ram:ID>{GUIDELINES[extended]}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
        "</rsm:ExchangedDocumentContext>"
        f"<rsm:ExchangedDocument><ram:ID>{escape(truth['invoice_number'])}</ram:ID>"
        f"<ram:TypeCode>{381 if credit else 380}</ram:TypeCode>"
        f"<ram:IssueDateTime>{_date(truth['invoice_date'])}</ram:IssueDateTime></rsm:ExchangedDocument>"
        "<rsm:SupplyChainTradeTransaction>" + "".join(items) +
        f"<ram:ApplicableHeaderTradeAgreement>{buyer_ref}"
        f"<ram:SellerTradeParty><ram:Name>{escape(name)}</ram:Name><ram:PostalTradeAddress>"
        f"<ram:PostcodeCode>{postcode}</ram:PostcodeCode><ram:LineOne>{escape(street)}</ram:LineOne>"
        f"<ram:CityName>{escape(city)}</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>"
        f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{vat_id}</ram:ID></ram:SpecifiedTaxRegistration>'
        "</ram:SellerTradeParty>"
        f"<ram:BuyerTradeParty><ram:Name>{escape(truth.get('customer_name') or '')}</ram:Name>"
        "<ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>"
        "</ram:ApplicableHeaderTradeAgreement>"
        f"<ram:ApplicableHeaderTradeDelivery>{'' if extended else _ship_to(truth['sites'][0])}"
        "</ram:ApplicableHeaderTradeDelivery>"
        "<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>"
        f"{taxes}<ram:BillingSpecifiedPeriod><ram:StartDateTime>{_date(starts)}</ram:StartDateTime>"
        f"<ram:EndDateTime>{_date(ends)}</ram:EndDateTime></ram:BillingSpecifiedPeriod>{terms}"
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        f"<ram:LineTotalAmount>{total}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>{total}</ram:TaxBasisTotalAmount>"
        f'<ram:TaxTotalAmount currencyID="EUR">{_amount(truth["total_vat"])}</ram:TaxTotalAmount>'
        f"<ram:GrandTotalAmount>{_amount(truth['total_incl_tax'])}</ram:GrandTotalAmount>"
        f"<ram:DuePayableAmount>{_amount(truth['total_incl_tax'])}</ram:DuePayableAmount>"
        "</ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
        "</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>")
    return xml.encode("utf-8")


def embed_facturx(pdf: bytes, truth: dict) -> bytes:
    """The PDF with the truth's CII XML embedded as factur-x.xml (profile EN 16931, or EXTENDED for
    multi-site invoices).

    The package stamps the PDF and XMP metadata with the current time; the clock is pinned to the
    invoice date so that the output is deterministic."""
    import datetime as dt
    from unittest import mock

    import facturx.facturx as facturx_module
    from facturx import generate_from_binary

    issued = dt.date.fromisoformat(truth["invoice_date"])

    class _InvoiceClock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(issued.year, issued.month, issued.day, 12, 0, 0, tzinfo=dt.UTC)

    with mock.patch.object(facturx_module, "datetime", _InvoiceClock):
        level = "extended" if len(truth["sites"]) > 1 else "en16931"
        return generate_from_binary(pdf, cii_xml(truth), flavor="factur-x", level=level, check_xsd=True,
                                    lang="fr-FR")
