"""Checks an extracted invoice must pass before it is accepted.

Each failed check gives a reason naming the file and the field or site; any reason turns the
status into ``needs_review`` (the record is still returned, never silently accepted).
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import ValidationError

from collecte.invoices.model import Invoice

CENT = 0.0051


def _money(x: float) -> str:
    return f"{x:.2f}"


def _site_ref(i: int, site: dict) -> str:
    return f"sites[{i}] ({site.get('meter_id') or '?'})"


def validate_contract(inv: dict, name: str) -> list[str]:
    """Contract (pydantic) errors, one reason per field."""
    try:
        Invoice.model_validate(inv)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"]).replace(
                ".[", "["
            )
            out.append(f"{name}: {loc}: {err['msg']}")
        return out
    return []


def _line_checks(name: str, i: int, site: dict) -> list[str]:
    out = []
    for j, ln in enumerate(site.get("lines") or []):
        q, p, a = ln.get("quantity"), ln.get("unit_price"), ln.get("amount_excl_tax")
        if q is None or p is None or a is None:
            continue
        expected = q * p
        if abs(expected - a) > abs(q) * 0.000005 + 0.011:
            out.append(
                f"{name}: {_site_ref(i, site)}.lines[{j}] '{ln.get('label')}': "
                f"quantity x unit price = {expected:.4f} but amount is {_money(a)}"
            )
    return out


def _reading_checks(name: str, i: int, site: dict) -> list[str]:
    out = []
    readings = site.get("readings") or []
    for j, r in enumerate(readings):
        s, e, k = r.get("index_start"), r.get("index_end"), r.get("kwh")
        if s is None or e is None or k is None:
            continue
        coef = r.get("conversion_coefficient") or 1
        expected = (e - s) * coef
        tol = 0.5 if coef == 1 else max(1.0, abs(e - s) * 0.0005)
        if abs(expected - k) > tol:
            out.append(
                f"{name}: {_site_ref(i, site)}.readings[{j}] ({r.get('period')}): "
                f"index difference gives {expected:.1f} kWh but {k} kWh is printed"
            )
    if readings and site.get("consumption_kwh") is not None:
        total = sum(r.get("kwh") or 0 for r in readings)
        if abs(total - site["consumption_kwh"]) > 0.5:
            out.append(
                f"{name}: {_site_ref(i, site)}.consumption_kwh {site['consumption_kwh']} "
                f"!= sum of readings {total}"
            )
    return out


def reconcile(inv: dict, name: str, summary: list[dict] | None = None) -> list[str]:
    """Every reason the invoice does not add up (empty list when it does)."""
    reasons = validate_contract(inv, name)
    sites = inv.get("sites") or []
    site_sum = 0.0
    for i, site in enumerate(sites):
        lines = site.get("lines") or []
        total = site.get("total_excl_tax")
        amounts = [ln.get("amount_excl_tax") or 0 for ln in lines]
        if not lines:
            reasons.append(f"{name}: {_site_ref(i, site)}: no billed lines found")
        if total is not None:
            site_sum += total
            if abs(sum(amounts) - total) > CENT:
                reasons.append(
                    f"{name}: {_site_ref(i, site)}: lines sum to {_money(sum(amounts))} "
                    f"but the site total is {_money(total)}"
                )
        reasons += _line_checks(name, i, site)
        reasons += _reading_checks(name, i, site)
    ht, tva, ttc = inv.get("total_excl_tax"), inv.get("total_vat"), inv.get("total_incl_tax")
    all_totals = bool(sites) and all(s.get("total_excl_tax") is not None for s in sites)
    if ht is not None and all_totals and abs(site_sum - ht) > CENT:
        reasons.append(f"{name}: total_excl_tax {_money(ht)} != sum of site totals {_money(site_sum)}")
    if None not in (ht, tva, ttc) and abs(ht + tva - ttc) > CENT:
        reasons.append(
            f"{name}: total_excl_tax + total_vat = {_money(ht + tva)} but total_incl_tax is {_money(ttc)}"
        )
    bases: dict[float, float] = defaultdict(float)
    for site in sites:
        for ln in site.get("lines") or []:
            if ln.get("vat_rate") is not None and ln.get("amount_excl_tax") is not None:
                bases[ln["vat_rate"]] += ln["amount_excl_tax"]
    if tva is not None and bases:
        expected = sum(
            round(base * rate + 1e-9 * (1 if base >= 0 else -1), 2) for rate, base in bases.items()
        )
        if abs(expected - tva) > 0.011 * len(bases):
            detail = ", ".join(f"{rate:g} on {_money(base)}" for rate, base in sorted(bases.items()))
            reasons.append(f"{name}: total_vat {_money(tva)} != VAT per rate {_money(expected)} ({detail})")
    if inv.get("document_type") == "credit_note" and ht is not None and ht > 0:
        reasons.append(f"{name}: credit note with a positive total_excl_tax {_money(ht)}")
    if summary:
        reasons += _summary_checks(name, sites, summary)
    return reasons


def _summary_checks(name: str, sites: list[dict], summary: list[dict]) -> list[str]:
    out = []
    if len(summary) != len(sites):
        out.append(
            f"{name}: the site summary lists {len(summary)} sites but {len(sites)} site sections were read"
        )
    for i, (row, site) in enumerate(zip(summary, sites, strict=False)):
        if row["meter_id"] != site.get("meter_id"):
            out.append(f"{name}: {_site_ref(i, site)}: the summary gives meter {row['meter_id']}")
        kwh = row.get("consumption_kwh")
        if (
            kwh is not None
            and site.get("consumption_kwh") is not None
            and abs(kwh - site["consumption_kwh"]) > 0.5
        ):
            out.append(
                f"{name}: {_site_ref(i, site)}: summary consumption {kwh} kWh "
                f"!= site consumption {site['consumption_kwh']} kWh"
            )
        both = row["total_excl_tax"] is not None and site.get("total_excl_tax") is not None
        if both and abs(row["total_excl_tax"] - site["total_excl_tax"]) > CENT:
            out.append(
                f"{name}: {_site_ref(i, site)}: summary total {_money(row['total_excl_tax'])} "
                f"!= site total {_money(site['total_excl_tax'])}"
            )
    return out
