"""Drifted layouts (sandbox drift mode): never silently wrong, and still read when the template knows
the new words.

Each sandbox supplier's invoices are printed with one kind of layout change at a time, then with
random combinations; an accepted invoice ("ok") must equal its truth field for field, and an invoice
whose change no template can know (an unknown line, column or label) must not be accepted.
"""

from __future__ import annotations

import re

import pytest

from collecte.invoices import extract_invoice
from tests.unit.invoices.compare import diff

SUPPLIERS = ("volta", "azur", "gazelec", "nordis")
PLACE = re.compile(r"\(page \d+, bbox -?\d+,-?\d+,-?\d+,-?\d+\)")


def _generate(supplier: str, seed: int, drift):
    from sandbox.invoices import generate

    return generate(supplier, seed, drift=drift, **({"n_sites": 2 + seed % 3} if supplier == "nordis" else {}))


def _check(g) -> tuple[str, list[str]]:
    result = extract_invoice(g.pdf, name=g.filename)
    differences = diff(result.invoice, g.truth)
    assert not (result.status == "ok" and differences), f"silent error {g.filename} {g.drift}: {differences[:4]}"
    if result.status != "ok":
        # what could not be read is named with its place; reconciliation reasons name their totals
        assert any(PLACE.search(r) or "total" in r or "sum" in r for r in result.reasons), result.reasons
    return result.status, differences


ABSORBED = ("relabel_lines", "extra_column", "column_names", "column_order", "date_format", "thousands", "totals_moved",
            "page_break")


@pytest.mark.parametrize("supplier", SUPPLIERS)
@pytest.mark.parametrize("kind", ABSORBED)
def test_known_changes_are_read_exactly(supplier: str, kind: str) -> None:
    """A change made with words the template knows: the invoice is read exactly and accepted."""
    for seed in range(2):
        g = _generate(supplier, seed, [kind])
        if g.drift["expects_flag"]:
            continue
        status, differences = _check(g)
        assert status == "ok" and not differences, (g.filename, g.drift, differences[:4])


@pytest.mark.parametrize("supplier", SUPPLIERS)
def test_unknown_line_goes_to_review_with_its_place(supplier: str) -> None:
    g = _generate(supplier, 3, ["unknown_line"])
    result = extract_invoice(g.pdf, name=g.filename)
    assert result.status == "needs_review"
    reason = next(r for r in result.reasons if "category not recognised" in r)
    assert g.drift["unknown_line"][0] in reason and PLACE.search(reason)


@pytest.mark.parametrize("supplier", SUPPLIERS)
def test_unknown_column_is_a_layout_change(supplier: str) -> None:
    g = _generate(supplier, 4, ["unknown_column"])
    result = extract_invoice(g.pdf, name=g.filename)
    assert result.status == "layout_changed"
    assert any(f"unexpected column '{g.drift['extra_column']}'" in c for c in result.layout_changes)


def test_renamed_header_label_is_read_or_flagged() -> None:
    """'Compte client' for 'N° client' is a synonym the template knows; 'Réf. abonné' is not."""
    import random

    from sandbox.invoices import drift as drift_mod
    from sandbox.invoices.api import _package, truth_module

    module = truth_module("volta")
    rng = random.Random("volta:rename")
    contract = module.new_contract(rng, {})
    contract["print_account"] = True
    truth, decoration = module.draw_invoice(contract, __import__("datetime").date(2026, 3, 1), rng)
    for new, expected in (("Compte client", "ok"), ("Réf. abonné", "layout_changed")):
        drift = drift_mod.Drift(kinds=("header_labels",), labels={"N° client": new})
        g = _package("volta", truth, {**decoration, "drift": drift}, False)
        result = extract_invoice(g.pdf, name=g.filename)
        assert result.status == expected, result.reasons
        if expected == "ok":
            assert result.invoice["customer_account"] == truth["customer_account"]
            assert any("'N° client' is now printed 'Compte client'" in c for c in result.layout_changes)
        else:
            assert any("unexpected label 'Réf. abonné'" in r for r in result.reasons)


def test_synonym_line_labels_keep_their_category() -> None:
    """'Prime fixe' is a subscription, 'TICFE (36 à 250 kVA)' a tax (nordis lines relabelled)."""
    import datetime as dt
    import random

    from sandbox.invoices.api import _package, truth_module
    from sandbox.invoices.drift import Drift, apply_to_truth

    module = truth_module("nordis")
    rng = random.Random("nordis:relabel")
    contract = module.new_contract(rng, {"n_sites": 3, "tariff_option": "4P"})
    truth, decoration = module.draw_invoice(contract, dt.date(2026, 3, 1), rng)
    drift = Drift(kinds=("relabel_lines",),
                  relabel={r"^Part fixe fourniture": "Prime fixe", r"^Accise sur l'électricité": "TICFE"})
    truth = apply_to_truth(truth, drift)
    labels = {x["label"]: x["category"] for s in truth["sites"] for x in s["lines"]}
    assert labels["Prime fixe"] == "subscription"
    assert any(k.startswith("TICFE (36 à 250 kVA)") or k.startswith("TICFE (> 250") for k in labels)
    g = _package("nordis", truth, {**decoration, "drift": drift}, False)
    result = extract_invoice(g.pdf, name=g.filename)
    assert result.status == "ok", result.reasons[:3]
    assert not diff(result.invoice, truth)


@pytest.mark.parametrize("supplier", SUPPLIERS)
def test_random_drift_has_no_silent_error(supplier: str) -> None:
    accepted = 0
    seeds = range(200, 212)
    for seed in seeds:
        g = _generate(supplier, seed, True)
        status, _ = _check(g)
        accepted += status == "ok"
        if g.drift["expects_flag"] and status == "ok":
            # a change no template knows was accepted: only if it never reached the page
            assert not any(k in g.drift["kinds"] for k in ("unknown_line", "unknown_column")), g.drift
    assert accepted >= len(seeds) // 2


def test_drift_is_deterministic() -> None:
    a = _generate("azur", 11, True)
    b = _generate("azur", 11, True)
    assert a.pdf == b.pdf and a.truth == b.truth and a.drift == b.drift
    plain = _generate("azur", 11, None)
    assert plain.truth["invoice_number"] == a.truth["invoice_number"]  # same contract and invoice


def test_unchanged_layouts_show_no_layout_change() -> None:
    for supplier in SUPPLIERS:
        for seed in range(6):
            g = _generate(supplier, seed, None)
            result = extract_invoice(g.pdf, name=g.filename)
            assert result.status == "ok" and result.layout_changes == [], (g.filename, result.layout_changes)
