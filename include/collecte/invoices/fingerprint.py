"""Layout fingerprints: the labels a template was written for, their order and positions.

A template's ``fingerprint`` (data in its YAML, made with ``python -m collecte.invoices fingerprint
FILE.pdf``) records, for one invoice of the layout it was written for, the printed text and place
of every field label and the column headers of every table. Each extraction observes the same
things; ``compare`` says how the invoice departs from the fingerprint: a renamed label, a column
added, removed or renamed, labels printed in another order (a moved block). Departures the template
absorbed (synonyms it knows) leave the invoice readable and are recorded with it, so a person
updates the template once for the supplier; a departure it could not absorb (an unknown column or
label) makes the invoice ``layout_changed``.
"""

from __future__ import annotations

from typing import Any

Observed = dict[str, dict[str, Any]]  # path -> {"text", "page", "box"} | "table:<name>" -> {"columns"}


def _longest_increasing(seq: list[int]) -> set[int]:
    """Indexes (into seq) of one longest strictly increasing subsequence."""
    best: list[list[int]] = []
    for i, v in enumerate(seq):
        chain = max((c for c in best if seq[c[-1]] < v), key=len, default=[])
        best.append([*chain, i])
    return set(max(best, key=len, default=[]))


def _order(labels: dict[str, dict[str, Any]]) -> list[str]:
    return sorted(labels, key=lambda p: (labels[p]["page"], round(labels[p]["box"][1]), labels[p]["box"][0]))


def compare(fingerprint: dict[str, Any] | None, observed: Observed) -> list[str]:
    """What changed between the template's fingerprint and what this invoice prints."""
    if not fingerprint:
        return []
    changes: list[str] = []
    expected = fingerprint.get("labels") or {}
    seen = {p: v for p, v in observed.items() if not p.startswith("table:")}
    for path, want in expected.items():
        got = seen.get(path)
        if got is not None and got["text"] != want["text"]:
            changes.append(f"label of {path} renamed: '{want['text']}' is now printed '{got['text']}'")
    common = [p for p in _order(seen) if p in expected]
    rank = {p: i for i, p in enumerate(_order({p: expected[p] for p in common}))}
    keep = _longest_increasing([rank[p] for p in common])
    moved = [common[i] for i in range(len(common)) if i not in keep]
    if moved:
        changes.append("labels printed in another order (block moved): " + ", ".join(
            f"'{seen[p]['text']}'" for p in moved))
    for name, want_cols in (fingerprint.get("tables") or {}).items():
        got_cols = (observed.get(f"table:{name}") or {}).get("columns")
        if got_cols is None or got_cols == want_cols:
            continue
        added = [c for c in got_cols if c not in want_cols]
        removed = [c for c in want_cols if c not in got_cols]
        if len(added) == len(removed) and added:
            changes += [f"table {name}: column '{a}' renamed '{b}'" for a, b in zip(removed, added, strict=True)]
        else:
            changes += [f"table {name}: new column '{a}'" for a in added]
            changes += [f"table {name}: column '{r}' no longer printed" for r in removed]
        if not added and not removed:
            changes.append(f"table {name}: columns in another order ({' | '.join(got_cols)})")
    return changes


def make(observed: Observed) -> dict[str, Any]:
    """The fingerprint of one invoice (what goes under ``fingerprint:`` in its template)."""
    flat = normalize(observed)
    labels = {
        p: {"text": v["text"], "page": v["page"], "box": [round(x, 1) for x in v["box"]]}
        for p, v in flat.items()
        if not p.startswith("table:")
    }
    tables = {p.removeprefix("table:"): v["columns"] for p, v in flat.items() if p.startswith("table:")}
    return {"labels": labels, "tables": tables}


def normalize(observed: Observed) -> Observed:
    """Site labels compared per site kind: ``sites[3].meter_id`` is compared as ``meter_id``."""
    out: Observed = {}
    for p, v in observed.items():
        key = p.split("].", 1)[1] if p.startswith("sites[") else p
        out.setdefault(key, v)
    return out
