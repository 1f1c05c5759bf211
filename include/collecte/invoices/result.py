"""The outcome of extracting one PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

Status = Literal["ok", "needs_review", "layout_changed", "no_template", "needs_ocr", "unreadable"]
BBox = tuple[float, float, float, float]


class Evidence(NamedTuple):
    """Where a value stands: field path, page index (0-based) and box in PDF points.

    The box is (x0, y0, x1, y1) in PDF user space (origin bottom-left), ready to draw on.
    A plain tuple: ``path, page, bbox = evidence`` works.
    """

    field_path: str
    page_index: int
    bbox: BBox


@dataclass(slots=True)
class ExtractionResult:
    """Status, the invoice (dict per the contract, or None), reasons, source and evidence."""

    status: Status
    invoice: dict | None = None
    reasons: list[str] = field(default_factory=list)
    source: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    name: str = "<memory>"
    pages: int = 0
    # how the layout departs from the template's fingerprint (renamed labels, new columns, moved
    # blocks); with status "ok" the template absorbed them, with "layout_changed" it could not
    layout_changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the invoice was read and every reconciliation held."""
        return self.status == "ok"
