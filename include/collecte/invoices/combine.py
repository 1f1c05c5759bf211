"""Factur-X and the printed page together: the XML is authoritative, the layout completes it.

EN 16931 has no place for meter readings, tariff options or subscribed powers, and forces a
quantity on every line (a CTA line becomes "1 C62" at its amount). When the supplier's template
also reads the printed invoice, its values fill what the XML lacks (matched by meter id, lines
matched one to one by amount), and every value printed on both sides is compared: a difference
is a reason for review. The printed reading also gives the positions for the visual copy.
"""

from __future__ import annotations

HEADER_KEYS = (
    "document_type",
    "invoice_number",
    "invoice_date",
    "total_excl_tax",
    "total_vat",
    "total_incl_tax",
)
SITE_FILL = ("site_name", "site_address", "tariff_option", "subscribed_power_kva", "max_power_kva")
HEADER_FILL = ("due_date", "customer_account", "customer_name")


def normalize_en16931_lines(invoice: dict) -> None:
    """CTA-like tax lines EN 16931 forced to "1 unit at the amount", and lines without a
    quantity: no quantity, unit or unit price (the contract's convention)."""
    for site in invoice.get("sites") or []:
        for ln in site.get("lines") or []:
            q, p, a = ln.get("quantity"), ln.get("unit_price"), ln.get("amount_excl_tax")
            forced = ln.get("category") == "tax" and ln.get("unit") == "unit" and q in (1, -1)
            if forced and p is not None and a is not None and abs(abs(p) - abs(a)) < 0.005:
                ln["quantity"] = ln["unit"] = ln["unit_price"] = None
            elif q is None:  # no quantity (EXTENDED profile CTA lines): the "price" is the amount
                ln["unit"] = ln["unit_price"] = None


def same(a: object, b: object) -> bool:
    """Equal values (amounts to the half-cent)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 0.005
    return a == b


def combine(xml: dict, printed: dict, name: str) -> list[str]:
    """Complete ``xml`` in place with ``printed``; return the disagreements as reasons."""
    reasons = []
    for key in HEADER_KEYS:
        if printed.get(key) is not None and xml.get(key) is not None and not same(xml[key], printed[key]):
            reasons.append(
                f"{name}: {key}: the Factur-X XML says {xml[key]!r}, the printed invoice {printed[key]!r}"
            )
    for key in HEADER_FILL:
        if xml.get(key) is None and printed.get(key) is not None:
            xml[key] = printed[key]
    by_meter = {s.get("meter_id"): s for s in printed.get("sites") or []}
    for i, site in enumerate(xml.get("sites") or []):
        other = by_meter.get(site.get("meter_id"))
        if other is None:
            reasons.append(f"{name}: sites[{i}] ({site.get('meter_id')}): not found on the printed invoice")
            continue
        for key in SITE_FILL:
            if site.get(key) is None and other.get(key) is not None:
                site[key] = other[key]
        if not site.get("readings") and other.get("readings"):
            site["readings"] = other["readings"]
        if other.get("consumption_kwh") is not None:
            site["consumption_kwh"] = other["consumption_kwh"]
        for key in ("period_start", "period_end", "total_excl_tax"):
            if other.get(key) is not None and not same(site.get(key), other[key]):
                reasons.append(
                    f"{name}: sites[{i}] ({site.get('meter_id')}).{key}: the XML says {site.get(key)!r}, "
                    f"the printed invoice {other[key]!r}"
                )
        lines, printed_lines = site.get("lines") or [], other.get("lines") or []
        if len(lines) == len(printed_lines) and all(
            same(a.get("amount_excl_tax"), b.get("amount_excl_tax"))
            for a, b in zip(lines, printed_lines, strict=True)
        ):
            for a, b in zip(lines, printed_lines, strict=True):
                if a.get("period") is None:
                    a["period"] = b.get("period")
        else:
            reasons.append(
                f"{name}: sites[{i}] ({site.get('meter_id')}): XML lines differ from the printed lines"
            )
    return reasons
