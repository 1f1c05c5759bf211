"""Recursive comparison of an extracted invoice with the expected one, with a readable diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def shared_samples() -> Path | None:
    """../shared/samples/invoices (or $COLLECTE_SHARED_DIR/samples/invoices), None when absent."""
    base = Path(os.environ.get("COLLECTE_SHARED_DIR", REPO.parent / "shared"))
    path = base / "samples" / "invoices"
    return path if path.is_dir() else None


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return a == b and type(a) is type(b)


def diff(got: object, want: object, path: str = "") -> list[str]:
    """Every difference as 'path: got X, expected Y' (empty when equal)."""
    out: list[str] = []
    if isinstance(got, dict) and isinstance(want, dict):
        for k in want:
            if k not in got:
                out.append(f"{path}.{k}: missing (expected {want[k]!r})")
            else:
                out += diff(got[k], want[k], f"{path}.{k}")
        out += [f"{path}.{k}: unexpected key ({got[k]!r})" for k in got if k not in want]
    elif isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            out.append(f"{path}: {len(got)} items, expected {len(want)}")
        for i, (x, y) in enumerate(zip(got, want, strict=False)):
            out += diff(x, y, f"{path}[{i}]")
    elif not _same(got, want):
        out.append(f"{path}: got {got!r}, expected {want!r}")
    return out


def leaf_count(value: object) -> int:
    """Number of scalar fields in a JSON value (for field accuracy figures)."""
    if isinstance(value, dict):
        return sum(leaf_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(leaf_count(v) for v in value) or 1
    return 1


def load_json(path: Path) -> dict:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))
