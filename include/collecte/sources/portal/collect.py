"""One account's collection, end to end: what is already collected, the gateway's run, landing.

Known invoices are recognised on the list page by their number: every invoice PDF lands with its
number in the raw object's metadata (`invoice-number`), so a second run lists, compares, and
downloads nothing. The raw zone's content hash is the last guard (`RawZone.land` dedups).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from collecte.sources.portal.errors import CollectionError
from collecte.sources.portal.models import Credentials, FetchedDocument
from collecte.sources.portal.status import AccountStatus

log = logging.getLogger(__name__)


@dataclass
class AccountRun:
    """What one account's collection gave: status, message, landed raw objects, the error if any."""

    source: str
    account: str
    status: AccountStatus
    message: str
    landed: list[dict[str, Any]] = field(default_factory=list)
    evidence_key: str | None = None
    error: CollectionError | None = None

    @property
    def new_documents(self) -> int:
        """Raw objects this run created."""
        return sum(1 for obj in self.landed if obj["created"])


def gateway_class(name: str) -> type:
    """The gateway of `collecte.sources.portal.<name>` (the road's `gateway` setting)."""
    if not name.isidentifier():
        raise ValueError(f"gateway {name!r} is not a module name")
    return importlib.import_module(f"collecte.sources.portal.{name}").Gateway


def known_documents(raw_zone: Any, source: str, account: str) -> tuple[dict[str, str], dict[str, str]]:
    """What is already in the raw zone for this account, from object metadata:
    invoice number -> raw key, and export id (`contract:first..last`) -> raw key."""
    numbers: dict[str, str] = {}
    for key in raw_zone.keys(raw_zone.account_prefix(source, "invoice_pdf", account)):
        number = raw_zone.metadata(key).get("invoice-number")
        if number:
            numbers.setdefault(number, key)
    exports: dict[str, str] = {}
    for key in raw_zone.keys(raw_zone.account_prefix(source, "consumption_csv", account)):
        meta = raw_zone.metadata(key)
        if meta.get("export-period") and meta.get("contract"):
            exports.setdefault(f"{meta['contract']}:{meta['export-period']}", key)
    return numbers, exports


def already_landed(numbers: dict[str, str], exports: dict[str, str], *, listed: list[str], first: date, last: date,
                   account: str) -> list[dict[str, Any]]:
    """References (created False) of the known documents of this interval: a rerun of a run that failed
    half-way passes them on to the next stages, which are idempotent, without downloading them again."""
    period = f"{first.isoformat()}..{last.isoformat()}"
    refs = [{"key": numbers[n], "kind": "invoice_pdf", "account": account, "created": False}
            for n in listed if n in numbers]
    refs += [{"key": key, "kind": "consumption_csv", "account": account, "created": False}
             for export, key in exports.items() if export.endswith(":" + period)]
    return refs


def land_document(raw_zone: Any, doc: FetchedDocument, *, source: str, account: str, received: date) -> dict[str, Any]:
    """Land one fetched document; return the raw-object reference carried in XCom."""
    extra = {k: v for k, v in {
        "invoice-number": doc.invoice_number,
        "invoice-date": doc.invoice_date.isoformat() if doc.invoice_date else None,
        "contract": doc.contract,
        "export-period": doc.export_period,
    }.items() if v}
    landed = raw_zone.land(doc.content, source=source, kind=doc.kind, account=account, received=received,
                           ext=doc.ext, original_name=doc.filename, origin=doc.origin, extra_metadata=extra)
    return {"key": landed.key, "kind": doc.kind, "account": account, "created": landed.created}


def collect_portal_account(gateway: Any, browser: Any, raw_zone: Any, *, account: str, credentials: Credentials,
                           first: date, last: date, received: date | None = None, exports: bool = True) -> AccountRun:
    """Collect one account through `gateway` for invoice dates [first, last]; never raises CollectionError.

    The returned AccountRun holds the status; documents fetched before a failure are landed anyway.
    `exports=False` leaves the site's other documents (consumption exports) alone, e.g. when the
    customer's mandate does not cover consumption data.
    """
    source = gateway.code
    received = received or datetime.now(UTC).date()
    numbers, known_exports = known_documents(raw_zone, source, account)
    landed: list[dict[str, Any]] = []

    def on_document(doc: FetchedDocument) -> None:
        landed.append(land_document(raw_zone, doc, source=source, account=account, received=received))

    try:
        result = gateway.collect(browser, credentials, account=account, first=first, last=last,
                                 known_numbers=numbers, known_exports=known_exports, on_document=on_document,
                                 evidence_zone=raw_zone, with_exports=exports)
    except CollectionError as exc:
        from collecte.sources.portal.masking import mask_text

        message = mask_text(str(exc), (credentials.password,))  # a page might echo what was typed
        message += f" (kept {len(landed)} document(s) fetched before)" if landed else ""
        return AccountRun(source, account, exc.status, message, landed, exc.evidence_key, exc)
    created = sum(1 for obj in landed if obj["created"])
    status = AccountStatus.OK if created else AccountStatus.NO_NEW_DOCUMENTS
    landed += already_landed(numbers, known_exports if exports else {}, listed=result.known_listed, first=first,
                             last=last, account=account)
    return AccountRun(source, account, status, result.summary() + f", {created} new in the raw zone", landed)
