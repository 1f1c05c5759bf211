"""Sandbox invoice PDF generator: new invoices in the layouts of the four sandbox suppliers, with the
exact extraction expected of each (per ../shared/contracts/invoice.schema.json)."""

from sandbox.invoices.api import generate, generate_account_history, render
from sandbox.invoices.model import GeneratedInvoice
from sandbox.invoices.registry import SUPPLIERS

__all__ = ["SUPPLIERS", "GeneratedInvoice", "generate", "generate_account_history", "render"]
