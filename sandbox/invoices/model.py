"""The value returned by the invoice generator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GeneratedInvoice:
    """A rendered invoice PDF with its ground truth (per invoice.schema.json)."""

    pdf: bytes
    truth: dict
    filename: str
    drift: dict | None = None  # the layout changes of a drifted invoice (see sandbox.invoices.drift)
