"""Invoice PDFs of one batch: extract, reconcile, check, keep the visual copy, load or quarantine.

For each raw PDF: the extraction (Factur-X first, else the supplier's template) with its
reconciliation; the canonical JSON and the annotated visual copy go to the staged zone, keyed by
the raw object; the batch's good invoices are checked with the invoice suites (Great
Expectations); what passes is upserted, everything else is quarantined with its reasons.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from collecte.landing.raw_zone import RawZone

log = logging.getLogger(__name__)


@dataclass
class InvoiceBatchSummary:
    """What one batch did; XCom-friendly (keys and counts only)."""

    extracted: int = 0
    loaded: int = 0
    changed_rows: int = 0
    quarantined: list[str] = field(default_factory=list)  # raw keys, with reasons in the warehouse
    staged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """XCom form."""
        return asdict(self)


def staged_key(raw_key: str, suffix: str) -> str:
    """Where a derived object of a raw object lives in the staged zone."""
    return "staged/" + raw_key.removeprefix("raw/").rsplit(".", 1)[0] + suffix


def process_invoice_batch(zone: RawZone, conn: Any, supplier_code: str, raw_keys: list[str]) -> InvoiceBatchSummary:
    """Run one batch through extraction, checks and loading."""
    import orjson

    from collecte.invoices import annotate, extract_invoice
    from collecte.quality.quarantine import quarantine_batch, quarantine_invoice

    summary = InvoiceBatchSummary()
    extracted: list[tuple[Any, str]] = []
    for raw_key in raw_keys:
        try:
            pdf = zone.get(raw_key)
            result = extract_invoice(pdf, name=raw_key)
            problem = _problem(result, supplier_code)
            staged = []
            if result.invoice is not None:
                staged.append(zone.put(staged_key(raw_key, ".json"), orjson.dumps(
                    {**result.invoice, "_extraction": {"status": result.status, "source": result.source,
                                                       "reasons": result.reasons, "raw_key": raw_key}},
                    option=orjson.OPT_INDENT_2), content_type="application/json"))
                staged.append(zone.put(staged_key(raw_key, ".annotated.pdf"), annotate(pdf, result),
                                       content_type="application/pdf"))
        except Exception as exc:  # one unreadable file (e.g. PdfStreamError) must not stop the batch
            _quarantine_unreadable(zone, conn, raw_key, exc, summary)
            continue
        summary.staged.extend(staged)
        if result.layout_changes:  # the template's fingerprint departed: kept for the account status page
            from collecte.invoices.layout_status import record_layout_change

            record_layout_change(conn, supplier_code, raw_key, result)
        if problem:
            log.warning("invoice quarantined: %s: %s", raw_key, problem)
            if result.invoice is not None:
                quarantine_invoice(zone, conn, result.invoice, raw_key=raw_key, failed_rules=[problem])
            else:
                quarantine_batch(zone, conn, dataset="invoice", raw_key=raw_key, reason=problem)
            summary.quarantined.append(raw_key)
            continue
        extracted.append((result, raw_key))
    summary.extracted = len(extracted)
    if extracted:
        rejected = _check(zone, conn, extracted, summary)
        passed = []
        for result, raw_key in extracted:
            if raw_key in summary.quarantined:
                continue
            rules = rejected.get((result.invoice["supplier"], result.invoice["invoice_number"]))
            if rules:
                log.warning("invoice %s failed checks %s: quarantined", result.invoice["invoice_number"], rules)
                quarantine_invoice(zone, conn, result.invoice, raw_key=raw_key, failed_rules=rules)
                summary.quarantined.append(raw_key)
            else:
                passed.append((result, raw_key))
        if passed:
            _load(conn, zone, passed, summary)
    conn.commit()
    return summary


def _check(zone: RawZone, conn: Any, extracted: list[tuple[Any, str]],
           summary: InvoiceBatchSummary) -> dict[tuple[str, str], list[str]]:
    """The invoice suites over the batch; if the check itself breaks, invoice by invoice, so that the
    one that breaks it is quarantined with the error and the others are checked."""
    from collecte.quality.invoice_frames import check_invoices

    try:
        return dict(check_invoices([r.invoice for r, _ in extracted], raw_keys=[k for _, k in extracted]).rejected)
    except Exception as exc:
        log.warning("batch check failed (%s): checking invoice by invoice", exc)
    rejected: dict[tuple[str, str], list[str]] = {}
    for result, raw_key in extracted:
        try:
            rejected.update(check_invoices([result.invoice], raw_keys=[raw_key]).rejected)
        except Exception as exc:
            _quarantine_unreadable(zone, conn, raw_key, exc, summary)
    return rejected


def _quarantine_unreadable(zone: RawZone, conn: Any, raw_key: str, exc: Exception,
                           summary: InvoiceBatchSummary) -> None:
    """Set a file that broke its extraction aside, whole, with the error as its reason."""
    from collecte.quality.quarantine import quarantine_batch

    reason = f"{raw_key}: unreadable: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:1500]
    log.error("invoice quarantined: %s", reason)
    quarantine_batch(zone, conn, dataset="invoice", raw_key=raw_key, reason=reason)
    summary.quarantined.append(raw_key)


def _load(conn: Any, zone: RawZone, passed: list[tuple[Any, str]], summary: InvoiceBatchSummary) -> None:
    """Upsert the batch at once; if that fails, invoice by invoice, quarantining the ones that fail."""
    from collecte.invoices.load import load_invoices

    def changed(count: Any) -> int:
        return sum(v for v in asdict(count).values() if isinstance(v, int))

    try:
        with conn.transaction():
            count = load_invoices(conn, passed)
        summary.loaded, summary.changed_rows = len(passed), changed(count)
        return
    except Exception as exc:
        log.warning("batch load failed (%s): loading invoice by invoice", exc)
    for result, raw_key in passed:
        try:
            with conn.transaction():
                count = load_invoices(conn, [(result, raw_key)])
        except Exception as exc:
            _quarantine_unreadable(zone, conn, raw_key, exc, summary)
            continue
        summary.loaded += 1
        summary.changed_rows += changed(count)


def _problem(result: Any, supplier_code: str) -> str | None:
    """Why an extraction cannot be loaded, or None."""
    if result.status != "ok":
        reasons = "; ".join(result.reasons) or "no reason given"
        return f"{result.status}: {reasons}"
    found = result.invoice.get("supplier")
    if found != supplier_code:
        return f"wrong supplier: the PDF is a {found} invoice, collected for {supplier_code}"
    return None
