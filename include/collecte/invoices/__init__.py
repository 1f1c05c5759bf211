"""Invoice dematerialization: supplier invoice PDFs into records following the invoice contract.

Public API: ``extract_invoice(pdf, name=...) -> ExtractionResult`` and ``annotate(pdf, result)``.
"""

from collecte.invoices.annotate import annotate
from collecte.invoices.api import extract_invoice
from collecte.invoices.result import Evidence, ExtractionResult

__all__ = ["Evidence", "ExtractionResult", "annotate", "extract_invoice"]
