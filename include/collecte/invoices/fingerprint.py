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


MOVE_DY = 12.0  # pt: two labels are in a given vertical order only when this far apart


def _above(a: dict[str, Any], b: dict[str, Any]) -> int:
    """1 when a stands clearly above b, -1 clearly below, 0 side by side (same row)."""
    if a["page"] != b["page"]:
        return 1 if a["page"] < b["page"] else -1
    dy = b["box"][1] - a["box"][1]
    return 1 if dy > MOVE_DY else -1 if dy < -MOVE_DY else 0


def _moved(expected: dict[str, dict[str, Any]], seen: dict[str, dict[str, Any]]) -> list[str]:
    """The fewest labels whose removal leaves every other pair in the fingerprint's vertical order."""
    paths = sorted(seen, key=lambda p: (seen[p]["page"], seen[p]["box"][1]))
    inverted = {
        (p, q) for i, p in enumerate(paths) for q in paths[i + 1:]
        if _above(expected[p], expected[q]) * _above(seen[p], seen[q]) < 0
    }
    moved: list[str] = []
    while inverted:
        count: dict[str, int] = {}
        for p, q in inverted:
            count[p] = count.get(p, 0) + 1
            count[q] = count.get(q, 0) + 1
        worst = max(count, key=lambda p: count[p])
        moved.append(worst)
        inverted = {(p, q) for p, q in inverted if worst not in (p, q)}
    return sorted(moved, key=lambda p: (seen[p]["page"], seen[p]["box"][1]))


def compare(fingerprint: dict[str, Any] | None, observed: Observed) -> list[str]:
    """What changed between the template's fingerprint and what this invoice prints."""
    if not fingerprint:
        return []
    changes: list[str] = []
    expected = fingerprint.get("labels") or {}
    seen = {p: v for p, v in observed.items() if not p.startswith("table:")}
    for path, want in expected.items():
        got = seen.get(path)
        if path.endswith(" table"):
            continue
        texts = want.get("texts") or [want["text"]]
        if got is not None and got["text"] not in texts:
            changes.append(f"label of {path} renamed: '{texts[0]}' is now printed '{got['text']}'")
    moved = _moved({p: expected[p] for p in seen if p in expected}, {p: seen[p] for p in seen if p in expected})
    if moved:
        changes.append("labels printed in another order (block moved): " + ", ".join(
            f"'{seen[p]['text']}'" for p in moved))
    for name, want_cols in (fingerprint.get("tables") or {}).items():
        got_cols = (observed.get(f"table:{name}") or {}).get("columns")
        if got_cols is None or got_cols == want_cols:
            continue
        added = [c for c in got_cols if c not in want_cols]
        removed = [c for c in want_cols if c not in got_cols]
        pairs = min(len(added), len(removed))
        changes += [f"table {name}: column '{a}' renamed '{b}'" for a, b in zip(removed, added[:pairs], strict=False)]
        changes += [f"table {name}: new column '{a}'" for a in added[pairs:]]
        changes += [f"table {name}: column '{r}' no longer printed" for r in removed[pairs:]]
        if not added and not removed:
            changes.append(f"table {name}: columns in another order ({' | '.join(got_cols)})")
    return changes


def make(observations: list[Observed]) -> dict[str, Any]:
    """The fingerprint of a layout from what its reference invoices print (an invoice and a credit
    note, say): what goes under ``fingerprint:`` in its template. Positions come from the first
    invoice printing the label; every wording seen is kept (``texts``)."""
    labels: dict[str, Any] = {}
    tables: dict[str, list[str]] = {}
    for observed in observations:
        for p, v in normalize(observed).items():
            if p.startswith("table:"):
                tables.setdefault(p.removeprefix("table:"), v["columns"])
                continue
            entry = labels.setdefault(
                p, {"text": v["text"], "texts": [], "page": v["page"], "box": [round(x, 1) for x in v["box"]]}
            )
            if v["text"] not in entry["texts"]:
                entry["texts"].append(v["text"])
    return {"labels": labels, "tables": tables}


def normalize(observed: Observed) -> Observed:
    """The header's labels and the first site's (``sites[0].meter_id`` compared as ``meter_id``):
    positions of the other sites' sections depend on where the pages break."""
    out: Observed = {}
    for p, v in observed.items():
        if p.startswith("sites[") and not p.startswith("sites[0]."):
            continue
        out.setdefault(p.removeprefix("sites[0]."), v)
    return out
