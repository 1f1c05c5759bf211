"""Suites of invoices: header, sites, readings, lines; invoice arithmetic and continuity.

The invoice-level rules need the other parts of the same invoices (`related`): lines to add up a
site, sites to add up an invoice, the earlier invoices of a meter for continuity, the operator's
contract data for the subscribed power.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collecte.quality.datasets import DATASETS
from collecte.quality.suites.common import (
    METER_REGEX,
    MONEY_TOLERANCE,
    PRM_REGEX,
    TIME_CLASSES,
    Rule,
    between,
    close,
    holds,
    in_set,
    matches,
    not_null,
    unique_key,
)

INVOICE_KEY = ["supplier", "invoice_number"]
SITE_KEY = ["supplier", "invoice_number", "meter_id"]
CATEGORIES = ["energy", "subscription", "network", "capacity", "tax", "other"]


def _warning(rule: Rule) -> Rule:
    from dataclasses import replace

    return replace(rule, severity="warning")


def invoice_rules() -> list[Rule]:
    """Header: key, types, totals TTC = HT + VAT, sites add up to the total, credit notes negative."""
    return [
        unique_key(DATASETS["invoice"].key), not_null("supplier"), not_null("invoice_number"),
        not_null("invoice_date"), in_set("document_type", ["invoice", "credit_note"]),
        in_set("energy", ["electricity", "gas"]),
        holds("_chk_totals_present", "totals_present", "totals carry total_excl_tax, total_vat and total_incl_tax"),
        holds("_chk_incl_tax", "total_incl_tax_adds_up", "total_incl_tax = total_excl_tax + total_vat (to the cent)"),
        holds("_chk_sites_sum", "sites_add_up", "the sites' totals add up to the invoice's total_excl_tax"),
        holds("_chk_sign", "sign_matches_document_type", "an invoice is positive, a credit note negative"),
        holds("_chk_due_after_invoice", "due_after_invoice_date", "due_date is on or after invoice_date",
              severity="warning"),
    ]


def _totals(value: Any) -> dict[str, Any]:
    import orjson

    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return value if isinstance(value, dict) else {}


def prepare_invoice(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived columns from `totals` and, when given, the invoice's sites."""
    import pandas as pd

    out = df.copy()
    totals = out["totals"].map(_totals)
    excl, vat, incl = (pd.to_numeric(totals.map(lambda t, k=k: t.get(k)), errors="coerce")
                       for k in ("total_excl_tax", "total_vat", "total_incl_tax"))
    out["_chk_totals_present"] = ~(excl.isna() | vat.isna() | incl.isna())
    out["_chk_incl_tax"] = close(incl, excl + vat, MONEY_TOLERANCE)
    sites = related.get("invoice_site")
    if sites is not None and len(sites):
        site_sum = sites.groupby(INVOICE_KEY)["total_excl_tax"].sum()
        summed = pd.Series([site_sum.get((s, n)) for s, n in zip(out["supplier"], out["invoice_number"],
                                                                 strict=True)], index=out.index)
        out["_chk_sites_sum"] = close(excl, summed, MONEY_TOLERANCE)
    else:
        out["_chk_sites_sum"] = None
    credit = out["document_type"] == "credit_note"
    sign = (excl <= 0).where(credit, excl >= 0).astype(object)
    sign[excl.isna()] = None
    out["_chk_sign"] = sign
    due = pd.to_datetime(out["due_date"], errors="coerce")
    after = (due >= pd.to_datetime(out["invoice_date"], errors="coerce")).astype(object)
    after[due.isna()] = None
    out["_chk_due_after_invoice"] = after
    return out


def invoice_site_rules() -> list[Rule]:
    """Sites: key, meter form for the energy, period, lines and readings add up, continuity, contract power."""
    return [
        unique_key(DATASETS["invoice_site"].key),
        matches("meter_id", METER_REGEX, "meter_form", "meter_id is a 14-digit PRM or a PCE"),
        holds("_chk_meter_form_energy", "meter_form_matches_energy",
              "an electricity site has a 14-digit PRM (GI+6 digits is a gas PCE)"),
        not_null("period_start"), not_null("period_end"), not_null("consumption_kwh"),
        holds("_chk_period_ordered", "period_ordered", "period_end is on or after period_start"),
        holds("_chk_consumption_sign", "consumption_sign", "consumption is >= 0 on an invoice, <= 0 on a credit note"),
        holds("_chk_lines_sum", "lines_add_up", "the site's lines add up to its total_excl_tax (to the cent)"),
        holds("_chk_readings_sum", "readings_add_up", "the readings' kWh add up to consumption_kwh (within 1 kWh)"),
        holds("_chk_no_gap", "no_gap_with_previous_invoice",
              "the period starts the day after the previous invoice of the meter ended (no gap)", severity="warning"),
        holds("_chk_no_overlap", "no_overlap_with_previous_invoice",
              "the period does not overlap the previous invoice of the meter", severity="warning"),
        holds("_chk_contract_power", "subscribed_power_matches_contract",
              "subscribed_power_kva equals the operator's contract data (max_subscribed_kva)", severity="warning"),
    ]


def _invoice_attr(out: Any, invoices: Any, column: str) -> Any:
    import pandas as pd

    if invoices is None or not len(invoices):
        return pd.Series([None] * len(out), index=out.index, dtype=object)
    lookup = invoices.drop_duplicates(INVOICE_KEY).set_index(INVOICE_KEY)[column]
    return pd.Series([lookup.get((s, n)) for s, n in zip(out["supplier"], out["invoice_number"], strict=True)],
                     index=out.index, dtype=object)


def _per_site(out: Any, part: Any, column: str) -> Any:
    import pandas as pd

    if part is None or not len(part):
        return pd.Series([None] * len(out), index=out.index, dtype=object)
    sums = part.groupby(SITE_KEY)[column].sum()
    return pd.Series([sums.get(k) for k in zip(out["supplier"], out["invoice_number"], out["meter_id"],
                                               strict=True)], index=out.index, dtype=object)


def _continuity(out: Any, doc_type: Any, history: Any) -> tuple[Any, Any]:
    """Days between the previous invoice's end and this start, minus one (0 = contiguous), per meter."""
    import pandas as pd

    cols = [*SITE_KEY, "period_start", "period_end"]
    current = out.loc[doc_type != "credit_note", cols].assign(_current=True, _row=lambda f: f.index)
    frames = [current]
    if history is not None and len(history):
        past = history
        if "document_type" in past:
            past = past[past["document_type"] != "credit_note"]
        frames.append(past[cols].assign(_current=False, _row=-1))
    allsites = pd.concat(frames, ignore_index=True).drop_duplicates(SITE_KEY, keep="first")
    allsites["_start"] = pd.to_datetime(allsites["period_start"])
    allsites["_end"] = pd.to_datetime(allsites["period_end"])
    allsites = allsites.sort_values(["meter_id", "_start", "_end"])
    prev_end = allsites.groupby("meter_id")["_end"].shift()
    gap = (allsites["_start"] - prev_end).dt.days - 1
    mine = allsites["_current"].astype(bool) & gap.notna()
    gaps = pd.Series(gap[mine].to_numpy(), index=allsites.loc[mine, "_row"].astype(int).to_numpy())
    no_gap = pd.Series([None] * len(out), index=out.index, dtype=object)
    no_overlap = no_gap.copy()
    for row, days in gaps.items():
        no_gap[row] = bool(days <= 0)
        no_overlap[row] = bool(days >= 0)
    return no_gap, no_overlap


def prepare_invoice_site(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived columns; `related` may hold invoice, invoice_line, invoice_reading, meter_contract, history."""
    import pandas as pd

    out = df.copy()
    invoices = related.get("invoice")
    doc_type = _invoice_attr(out, invoices, "document_type")
    energy = _invoice_attr(out, invoices, "energy")
    form = out["meter_id"].astype(str).str.fullmatch(PRM_REGEX.strip("^$")).astype(object)
    form[energy != "electricity"] = None
    out["_chk_meter_form_energy"] = form
    out["_chk_period_ordered"] = pd.to_datetime(out["period_end"]) >= pd.to_datetime(out["period_start"])
    kwh = pd.to_numeric(out["consumption_kwh"], errors="coerce")
    sign = (kwh <= 0).where(doc_type == "credit_note", kwh >= 0).astype(object)
    sign[kwh.isna()] = None
    out["_chk_consumption_sign"] = sign
    out["_chk_lines_sum"] = close(out["total_excl_tax"], _per_site(out, related.get("invoice_line"),
                                                                   "amount_excl_tax"), MONEY_TOLERANCE)
    out["_chk_readings_sum"] = close(kwh, _per_site(out, related.get("invoice_reading"), "kwh"), 1.0)
    no_gap, no_overlap = _continuity(out, doc_type, related.get("history"))
    out["_chk_no_gap"], out["_chk_no_overlap"] = no_gap, no_overlap
    contracts = related.get("meter_contract")
    if contracts is not None and len(contracts):
        contract_kva = contracts.groupby("meter_id")["max_subscribed_kva"].max()
        out["_chk_contract_power"] = close(out["subscribed_power_kva"], out["meter_id"].map(contract_kva), 0.01)
    else:
        out["_chk_contract_power"] = None
    return out


def invoice_reading_rules() -> list[Rule]:
    """Readings: key, class, unit, type, index difference (x coefficient for gas) = kWh."""
    return [
        # a meter replaced mid-period gives two readings of one class: flagged, not rejected
        _warning(unique_key(DATASETS["invoice_reading"].key)), in_set("period", [*TIME_CLASSES, "GAS"]),
        in_set("unit", ["kWh", "m3"]), in_set("reading_type", ["actual", "estimated"]), not_null("kwh"),
        holds("_chk_index_order", "index_not_decreasing", "index_end is not below index_start"),
        holds("_chk_reading_kwh", "reading_adds_up",
              "kWh = index_end - index_start (gas: x conversion_coefficient, within 1 kWh or 1 %)"),
    ]


def prepare_invoice_reading(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived columns for the reading arithmetic."""
    import pandas as pd

    out = df.copy()
    start = pd.to_numeric(out["index_start"], errors="coerce")
    end = pd.to_numeric(out["index_end"], errors="coerce")
    kwh = pd.to_numeric(out["kwh"], errors="coerce")
    coef = pd.to_numeric(out["conversion_coefficient"], errors="coerce")
    order = (end >= start).astype(object)
    order[end.isna() | start.isna()] = None
    out["_chk_index_order"] = order
    expected = (end - start).where(out["unit"] != "m3", (end - start) * coef)
    tolerance = (expected.abs() * 0.01).clip(lower=1.0).where(out["unit"] == "m3", 1.0)
    ok = ((kwh - expected).abs() <= tolerance).astype(object)
    ok[expected.isna() | kwh.isna()] = None
    out["_chk_reading_kwh"] = ok
    return out


def invoice_line_rules() -> list[Rule]:
    """Lines: key, category, amount present, quantity x unit price = amount, VAT rate range."""
    return [
        unique_key(DATASETS["invoice_line"].key), not_null("line_no"), in_set("category", CATEGORIES),
        not_null("label"), not_null("amount_excl_tax"),
        between("vat_rate", 0, 0.2, description="vat_rate is a fraction between 0 and 0.2"),
        holds("_chk_amount", "amount_adds_up",
              "amount_excl_tax = quantity x unit_price (to the cent, plus 0.1 % for rounded unit prices)"),
    ]


def prepare_invoice_line(df: Any, related: Mapping[str, Any]) -> Any:
    """Derived column for the line arithmetic."""
    import pandas as pd

    out = df.copy()
    amount = pd.to_numeric(out["amount_excl_tax"], errors="coerce")
    expected = pd.to_numeric(out["quantity"], errors="coerce") * pd.to_numeric(out["unit_price"], errors="coerce")
    ok = ((amount - expected).abs() <= MONEY_TOLERANCE + amount.abs() * 0.001).astype(object)
    ok[expected.isna() | amount.isna()] = None
    out["_chk_amount"] = ok
    return out
