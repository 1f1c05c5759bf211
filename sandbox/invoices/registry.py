"""The sandbox suppliers the generator knows: how to draw a contract, an invoice, and print it."""

from __future__ import annotations

import importlib
from types import ModuleType

SUPPLIERS = ("volta", "azur", "gazelec", "nordis")


def truth_module(supplier: str) -> ModuleType:
    """`sandbox.invoices.suppliers.<supplier>.truth`."""
    _check(supplier)
    return importlib.import_module(f"sandbox.invoices.suppliers.{supplier}.truth")


def layout_module(supplier: str) -> ModuleType:
    """`sandbox.invoices.suppliers.<supplier>.layout`."""
    _check(supplier)
    return importlib.import_module(f"sandbox.invoices.suppliers.{supplier}.layout")


def _check(supplier: str) -> None:
    if supplier not in SUPPLIERS:
        raise ValueError(f"unknown supplier {supplier!r}; expected one of {', '.join(SUPPLIERS)}")
