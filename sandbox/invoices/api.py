"""Public entry points: draw a truth from a seed, then print it (optionally as Factur-X)."""

from __future__ import annotations

import copy
import datetime as dt
import random

from sandbox.invoices.credits import credit_note_for
from sandbox.invoices.drift import apply_to_truth, draw, printing
from sandbox.invoices.model import GeneratedInvoice
from sandbox.invoices.periods import add_months
from sandbox.invoices.registry import layout_module, truth_module

DEFAULT_FIRST_MONTH = dt.date(2025, 9, 1)
DEFAULT_MONTHS = 16


def render(supplier: str, truth: dict, decoration: dict | None = None) -> bytes:
    """PDF bytes of `truth` printed in `supplier`'s layout; `decoration` holds what is printed but not
    extracted (customer postal address, history, deposits, referenced invoice...) and, for a drifted
    invoice, its `drift` (a `sandbox.invoices.drift.Drift`)."""
    decoration = decoration or {}
    with printing(decoration.get("drift")):
        return layout_module(supplier).render(truth, decoration)


def _month(value: str | dt.date | None, rng: random.Random) -> dt.date:
    if value is None:
        return add_months(DEFAULT_FIRST_MONTH, rng.randrange(DEFAULT_MONTHS))
    if isinstance(value, dt.date):
        return value.replace(day=1)
    year, month = value[:7].split("-")
    return dt.date(int(year), int(month), 1)


def _check_options(supplier: str, options: dict) -> None:
    n_sites = options.get("n_sites")
    if n_sites is not None and supplier != "nordis" and n_sites != 1:
        raise ValueError(f"{supplier} invoices have one site; n_sites={n_sites} applies to nordis only")
    if n_sites is not None and supplier == "nordis" and not 2 <= n_sites <= 40:
        raise ValueError(f"nordis invoices have 2 to 40 sites, not {n_sites}")


def _package(supplier: str, truth: dict, decoration: dict, facturx: bool) -> GeneratedInvoice:
    pdf = render(supplier, truth, decoration)
    if facturx:
        from sandbox.invoices.facturx_xml import embed_facturx

        pdf = embed_facturx(pdf, truth)
    drift = decoration.get("drift")
    return GeneratedInvoice(pdf=pdf, truth=truth, filename=f"{truth['invoice_number']}.pdf",
                            drift=drift.as_dict() if drift is not None else None)


def generate(supplier: str, seed: int, **options) -> GeneratedInvoice:
    """One invoice of `supplier`, deterministic per (supplier, seed, options).

    Options (all optional, drawn from the seed otherwise): document_type ("invoice" | "credit_note"),
    n_sites (nordis 2-40), tariff_option, period ("YYYY-MM" billing month or a date), customer
    (dict: name, address_lines, account), meter_ids, facturx (bool), regularisation (bool),
    drift (True: one to three layout changes drawn from the seed; or a list of kinds from
    `sandbox.invoices.drift.KINDS`). The drift is drawn from its own generator, so the same seed
    with and without drift bills the same contract.
    """
    rng = random.Random(f"{supplier}:{seed}")
    module = truth_module(supplier)
    options = copy.deepcopy(options)
    _check_options(supplier, options)
    contract = module.new_contract(rng, options)
    month = _month(options.get("period"), rng)
    document_type = options.get("document_type") or ("credit_note" if rng.random() < 0.12 else "invoice")
    regularisation = options.get("regularisation")
    if regularisation is None:
        regularisation = document_type == "invoice" and rng.random() < 0.1
    truth, decoration = module.draw_invoice(contract, month, rng, document_type=document_type,
                                            regularisation=regularisation)
    if options.get("drift"):
        kinds = None if options["drift"] is True else list(options["drift"])
        drift = draw(supplier, random.Random(f"{supplier}:{seed}:drift"), kinds)
        truth = apply_to_truth(truth, drift)
        decoration = {**decoration, "drift": drift}
    return _package(supplier, truth, decoration, bool(options.get("facturx", False)))


def generate_account_history(supplier: str, account_seed: int, months: int = 24, n_contracts: int = 1,
                             *, last_month: str | dt.date | None = None, facturx: bool = False,
                             credit_notes: float = 0.0, **options) -> list[GeneratedInvoice]:
    """Consecutive monthly invoices of one customer account: `n_contracts` contracts (sites or site
    groups) billed over `months` months ending at `last_month`, with consistent meters, names and
    indexes continuing from one invoice to the next. With `credit_notes` > 0, that share of the
    invoices is followed by a credit note cancelling it (referring to its number and date)."""
    rng = random.Random(f"{supplier}:account:{account_seed}")
    module = truth_module(supplier)
    options = copy.deepcopy(options)
    _check_options(supplier, options)
    end = _month(last_month, rng) if last_month is not None else add_months(
        DEFAULT_FIRST_MONTH, DEFAULT_MONTHS - 1)
    customer = options.pop("customer", None)
    contracts = []
    for _ in range(n_contracts):
        contract = module.new_contract(rng, {**options, "customer": customer})
        contract["steady"] = True
        customer = contract["customer"]
        contracts.append(contract)
    step = getattr(module, "billing_step", lambda contract: 1)
    invoices = []
    for i in range(months):
        month = add_months(end, i - months + 1)
        for contract in contracts:
            if (months - 1 - i) % step(contract):
                continue
            truth, decoration = module.draw_invoice(contract, month, rng, document_type="invoice",
                                                    regularisation=False)
            invoices.append(_package(supplier, truth, decoration, facturx))
            if credit_notes > 0 and rng.random() < credit_notes:
                credit, extra = credit_note_for(module, truth, decoration, rng)
                invoices.append(_package(supplier, credit, extra, facturx))
    return invoices
