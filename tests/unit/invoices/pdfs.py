"""Small PDFs made in the tests: plain text, image-only, encrypted, and Factur-X invoices."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with these lines of text."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = 800
    for line in lines:
        c.drawString(50, y, line)
        y -= 16
    c.save()
    return buf.getvalue()


def image_only_pdf() -> bytes:
    """A page with a picture and no text layer (what a scanner produces)."""
    from reportlab.lib.utils import ImageReader

    png = io.BytesIO()
    # a tiny grey bitmap, drawn large: no text objects at all
    from PIL import Image  # pillow comes with reportlab

    Image.new("L", (40, 60), 200).save(png, format="PNG")
    png.seek(0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(png), 40, 40, width=500, height=750)
    c.save()
    return buf.getvalue()


def encrypted_pdf(password: str = "secret") -> bytes:
    """A text PDF protected by a user password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(text_pdf(["Volta Énergie", "FACTURE"]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def cii_xml(
    *,
    number: str = "FX-2026-000123",
    type_code: str = "380",
    seller: str = "Volta Énergie",
    buyer: str = "Boulangerie Martin SARL",
    buyer_ref: str = "8868338172",
    meter: str = "49235068540964",
    lines: list[tuple[str, float, str, float, float]] | None = None,
) -> bytes:
    """An EN 16931 CII invoice: lines are (label, quantity, UN/ECE unit code, unit price, amount)."""
    lines = lines or [
        ("Abonnement Base 12 kVA", 30, "DAY", 0.586, 17.58),
        ("Électricité consommée - Base", 1000, "KWH", 0.17886, 178.86),
        ("Acheminement (TURPE) - part fixe", 30, "DAY", 0.4679, 14.04),
        ("Accise sur l'électricité", 1000, "KWH", 0.03085, 30.85),
    ]
    total = round(sum(a for *_, a in lines), 2)
    vat = round(total * 0.2, 2)
    items = []
    for i, (label, qty, unit, price, amount) in enumerate(lines, 1):
        items.append(f"""
  <ram:IncludedSupplyChainTradeLineItem>
    <ram:AssociatedDocumentLineDocument><ram:LineID>{i}</ram:LineID></ram:AssociatedDocumentLineDocument>
    <ram:SpecifiedTradeProduct><ram:Name>{escape(label)}</ram:Name></ram:SpecifiedTradeProduct>
    <ram:SpecifiedLineTradeAgreement>
      <ram:NetPriceProductTradePrice><ram:ChargeAmount>{price}</ram:ChargeAmount></ram:NetPriceProductTradePrice>
    </ram:SpecifiedLineTradeAgreement>
    <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="{unit}">{qty}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
    <ram:SpecifiedLineTradeSettlement>
      <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>
      <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{amount:.2f}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
    </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>""")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext>
  <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument>
  <ram:ID>{number}</ram:ID>
  <ram:TypeCode>{type_code}</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20260809</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>{"".join(items)}
  <ram:ApplicableHeaderTradeAgreement>
   <ram:BuyerReference>{buyer_ref}</ram:BuyerReference>
   <ram:SellerTradeParty><ram:Name>{escape(seller)}</ram:Name>
    <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR00900000001</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>{escape(buyer)}</ram:Name>
    <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
   </ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery>
   <ram:ShipToTradeParty><ram:ID>{meter}</ram:ID><ram:Name>Boulangerie du Port</ram:Name>
    <ram:PostalTradeAddress><ram:PostcodeCode>44000</ram:PostcodeCode><ram:LineOne>3 quai de la Fosse</ram:LineOne><ram:CityName>Nantes</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
   </ram:ShipToTradeParty>
  </ram:ApplicableHeaderTradeDelivery>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:ApplicableTradeTax><ram:CalculatedAmount>{vat:.2f}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{total:.2f}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>
   <ram:BillingSpecifiedPeriod>
    <ram:StartDateTime><udt:DateTimeString format="102">20260710</udt:DateTimeString></ram:StartDateTime>
    <ram:EndDateTime><udt:DateTimeString format="102">20260808</udt:DateTimeString></ram:EndDateTime>
   </ram:BillingSpecifiedPeriod>
   <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20260824</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>{total:.2f}</ram:LineTotalAmount>
    <ram:TaxBasisTotalAmount>{total:.2f}</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">{vat:.2f}</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>{total + vat:.2f}</ram:GrandTotalAmount>
    <ram:DuePayableAmount>{total + vat:.2f}</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""
    return xml.encode("utf-8")


def facturx_pdf(xml: bytes, visible: list[str] | None = None) -> bytes:
    """A reportlab PDF with ``xml`` embedded as Factur-X (factur-x's generate_from_binary)."""
    from facturx import generate_from_binary

    pdf = text_pdf(visible or ["Volta Énergie", "FACTURE (Factur-X)"])
    return generate_from_binary(pdf, xml, check_xsd=False)
