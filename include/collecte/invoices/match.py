"""Which template fits a document: weighted keyword scores, best first."""

from __future__ import annotations

from dataclasses import dataclass

from collecte.invoices.pdftext import Document
from collecte.invoices.template import Template, rx


@dataclass(frozen=True, slots=True)
class Candidate:
    """A template and how well its keywords matched (0..1)."""

    template: Template
    score: float


def first_page_text(doc: Document) -> str:
    """The first page's runs joined by newlines (what keywords are matched against)."""
    return "\n".join(c.text for c in doc.pages[0].chunks) if doc.pages else ""


def rank(doc: Document, templates: tuple[Template, ...]) -> list[Candidate]:
    """Every template with its score, best first."""
    text = first_page_text(doc)
    out = []
    for tpl in templates:
        total = sum(w for _, w in tpl.detect.keywords) or 1.0
        got = sum(w for pattern, w in tpl.detect.keywords if rx(pattern).search(text))
        out.append(Candidate(tpl, round(min(1.0, got / min(total, 1.0)), 3)))
    out.sort(key=lambda c: -c.score)
    return out


def describe(cands: list[Candidate], top: int = 3) -> str:
    """'volta 0.20, azur 0.00' — the closest templates, for "no template matches" messages."""
    return ", ".join(f"{c.template.code} {c.score:.2f}" for c in cands[:top])
