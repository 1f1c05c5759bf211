"""Credit notes cancelling an invoice already drawn (for account histories)."""

from __future__ import annotations

import copy
import datetime as dt
import random
from types import ModuleType

from sandbox.invoices.lines import negate

DEFAULT_REASONS = ["erreur de tarif appliqué", "index erroné", "double facturation"]


def credit_note_for(module: ModuleType, truth: dict, decoration: dict, rng: random.Random) -> tuple[dict, dict]:
    """The credit note cancelling the invoice `truth`: same sites and lines, every amount negated, no
    readings and no due date, issued 10 to 40 days after the invoice and referring to it."""
    issued = dt.date.fromisoformat(truth["invoice_date"]) + dt.timedelta(days=rng.randint(10, 40))
    credit = copy.deepcopy(truth)
    credit["invoice_number"] = module.credit_note_number(issued, rng)
    credit["invoice_date"] = issued.isoformat()
    for site in credit["sites"]:
        site["max_power_kva"] = None
    negate(credit)
    extra = {key: value for key, value in decoration.items() if key not in ("history", "deposits", "kind")}
    extra.update(original_number=truth["invoice_number"], original_date=truth["invoice_date"],
                 reason=rng.choice(getattr(module, "REASONS", DEFAULT_REASONS)))
    return credit, extra
