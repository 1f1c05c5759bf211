"""Invoices (dicts per shared/contracts/invoice.schema.json) as the four canonical tables, and their checks.

An invoice is checked as a whole: if any of its rows fails a critical expectation (a line that
does not add up, a site whose lines miss its total), the whole invoice is quarantined, never a
part of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collecte.quality.datasets import DATASETS, INVOICE_DATASETS

TOTALS = ("total_excl_tax", "total_vat", "total_incl_tax")


def invoice_rows(invoice: Mapping[str, Any], *, raw_key: str | None = None,
                 staged_key: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows of invoice, invoice_site, invoice_reading and invoice_line for one invoice dict."""
    supplier, number = invoice.get("supplier"), invoice.get("invoice_number")
    header = {
        "supplier": supplier, "invoice_number": number,
        "document_type": invoice.get("document_type"), "invoice_date": invoice.get("invoice_date"),
        "due_date": invoice.get("due_date"), "customer_account": invoice.get("customer_account"),
        "customer_name": invoice.get("customer_name"), "energy": invoice.get("energy"),
        "totals": {k: invoice.get(k) for k in (*TOTALS, "currency")},
        "status": invoice.get("status") or "ok", "reasons": invoice.get("reasons") or [],
        "source": invoice.get("source") or "unknown",
        "raw_key": raw_key or invoice.get("raw_key"), "staged_key": staged_key or invoice.get("staged_key"),
        # the invoice tables (migration 0100) keep the totals as columns, and count the sites
        **{k: invoice.get(k) for k in TOTALS}, "currency": invoice.get("currency") or "EUR",
        "site_count": len(invoice.get("sites") or []),
    }
    rows: dict[str, list[dict[str, Any]]] = {"invoice": [header], "invoice_site": [], "invoice_reading": [],
                                             "invoice_line": []}
    # `position` (0-based, printed order) is how migration 0100 numbers sites, readings and lines
    for s_pos, site in enumerate(invoice.get("sites") or []):
        key = {"supplier": supplier, "invoice_number": number, "meter_id": site.get("meter_id")}
        rows["invoice_site"].append({**key, **{c: site.get(c) for c in DATASETS["invoice_site"].values},
                                     "position": s_pos})
        for r_pos, reading in enumerate(site.get("readings") or []):
            rows["invoice_reading"].append({**key, **{c: reading.get(c) for c in DATASETS["invoice_reading"].values},
                                            "period": reading.get("period"), "position": r_pos})
        for l_pos, line in enumerate(site.get("lines") or []):
            rows["invoice_line"].append({**key, "line_no": l_pos + 1, "position": l_pos,
                                         **{c: line.get(c) for c in DATASETS["invoice_line"].values}})
    return rows


def invoice_frames(invoices: Sequence[Mapping[str, Any]], *, raw_keys: Sequence[str | None] | None = None,
                   staged_keys: Sequence[str | None] | None = None) -> dict[str, Any]:
    """DataFrames of the four invoice tables for a batch of invoice dicts: the columns of DATA_MODEL, plus
    those migration 0100 adds (`position`, totals as columns, `currency`, `site_count`)."""
    import pandas as pd

    collected: dict[str, list[dict[str, Any]]] = {name: [] for name in INVOICE_DATASETS}
    for i, invoice in enumerate(invoices):
        rows = invoice_rows(invoice, raw_key=raw_keys[i] if raw_keys else None,
                            staged_key=staged_keys[i] if staged_keys else None)
        for name in INVOICE_DATASETS:
            collected[name].extend(rows[name])
    frames = {}
    for name in INVOICE_DATASETS:
        extra = [c for c in (collected[name][0] if collected[name] else {}) if c not in DATASETS[name].columns]
        frames[name] = pd.DataFrame(collected[name], columns=[*DATASETS[name].columns, *extra])
    return frames


@dataclass
class InvoiceCheck:
    """Outcome of checking a batch of invoices: per-table outcomes and the invoices rejected, with why."""

    outcomes: dict[str, Any]  # dataset -> ValidationOutcome
    rejected: dict[tuple[str, str], list[str]]  # (supplier, invoice_number) -> failed rule names

    @property
    def success(self) -> bool:
        """No invoice rejected."""
        return not self.rejected


def check_invoices(invoices: Sequence[Mapping[str, Any]], *, history: Any = None, contracts: Any = None,
                   raw_keys: Sequence[str | None] | None = None) -> InvoiceCheck:
    """Validate invoices as the four tables; `history` = earlier invoice_site rows, `contracts` = meter_contract."""
    from collecte.quality.validation import FAILED_COLUMN, validate

    frames = invoice_frames(invoices, raw_keys=raw_keys)
    related = {**frames, "history": history, "meter_contract": contracts}
    outcomes = {name: validate(name, frames[name], related=related) for name in INVOICE_DATASETS}
    rejected: dict[tuple[str, str], list[str]] = {}
    for name, outcome in outcomes.items():
        for _, row in outcome.failed.iterrows():
            key = (row["supplier"], row["invoice_number"])
            rejected.setdefault(key, [])
            rejected[key] += [f"{name}.{rule}" for rule in row[FAILED_COLUMN] if f"{name}.{rule}" not in rejected[key]]
    return InvoiceCheck(outcomes=outcomes, rejected=rejected)
