"""Reading one field from a scope: find its label (anchor), take the value next to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from collecte.invoices.layout import Scope
from collecte.invoices.parsing import find_dates, normalize_id, parse_number, parse_percent, squash
from collecte.invoices.pdftext import Chunk
from collecte.invoices.template import FieldSpec, rx

SAME_LINE = 2.5  # pt
WRAP_DY = 11.0  # pt: how far a wrapped value may stand from its label
COLUMN_DX = 4.0  # pt: runs of one column start within this distance of each other


@dataclass(slots=True)
class Found:
    """A field's raw text and the runs it came from."""

    text: str
    chunks: list[Chunk]
    anchor: Chunk | None = None


def _rest_of_anchor(chunk: Chunk, pattern: re.Pattern[str]) -> str:
    m = pattern.search(chunk.text)
    return chunk.text[m.end() :].strip() if m else ""


def _x_limit(scope: Scope, anchor: Chunk, other_anchors: list[re.Pattern[str]], dy: float = SAME_LINE) -> float:
    """Where the value zone of ``anchor`` ends: the next label (of another field, maybe wrapped over
    several lines) to its right."""
    limit = float("inf")
    for c in scope.near(anchor, dy):
        if c.x0 <= anchor.x1 or c.x0 >= limit:
            continue
        for run in (c, *(u for u, _ in scope.joined(c))):  # the label, or the label it begins
            if any(p.search(run.text) for p in other_anchors):
                limit = min(limit, run.x0 - 1.0)  # its lines start within a point or two of each other
                break
    return limit


def _right(scope: Scope, anchor: Chunk, spec: FieldSpec, others: list[re.Pattern[str]]) -> list[Chunk]:
    limit = _x_limit(scope, anchor, others, WRAP_DY if spec.wrap else SAME_LINE)
    if spec.max_dx is not None:
        limit = min(limit, anchor.x1 + spec.max_dx)
    lo = anchor.x1 + spec.min_dx - 1.0
    if not spec.wrap:
        cands = [c for c in scope.near(anchor, SAME_LINE) if lo <= c.x0 < limit]
    else:
        labels = [
            c for c in scope.column(anchor, COLUMN_DX)
            if abs(c.yc - anchor.yc) < 40 and not (c.top >= anchor.top - 0.5 and c.bottom <= anchor.bottom + 0.5)
        ] + [anchor]  # the lines of a wrapped anchor are the anchor  # fmt: skip
        cands = []
        for c in scope.chunks:
            if c.page != anchor.page or not (lo <= c.x0 < limit) or abs(c.yc - anchor.yc) > WRAP_DY:
                continue
            nearest = min(labels, key=lambda lab: abs(lab.yc - c.yc))
            if nearest is anchor or abs(nearest.yc - c.yc) >= abs(anchor.yc - c.yc):
                cands.append(c)
    cands.sort(key=lambda c: (round(c.yc, 0), c.x0) if spec.wrap else (c.x0, c.yc))
    if spec.pick == "first":
        cands = cands[:1]
    elif spec.pick == "last":
        cands = sorted(cands, key=lambda c: c.x1)[-1:]
    if spec.then_below and cands:
        cands = cands + _below(scope, cands[-1], spec, skip_first=True)
    return cands


def _below(scope: Scope, ref: Chunk, spec: FieldSpec, skip_first: bool = False) -> list[Chunk]:
    """Runs under ``ref`` in its column, line after line, until ``stop`` or a gap."""
    stop = rx(spec.stop) if spec.stop else None
    out: list[Chunk] = []
    prev_y = ref.yc
    for ln in scope.lines:
        if ln.page != ref.page or ln.yc <= ref.yc + SAME_LINE:
            continue
        col = [c for c in ln.chunks if abs(c.x0 - ref.x0) <= COLUMN_DX + 2]
        if not col:
            if ln.yc - prev_y > spec.max_gap:
                break
            continue
        if ln.yc - prev_y > spec.max_gap:
            break
        if stop is not None and stop.search(col[0].text):
            break
        out.extend(col)
        prev_y = ln.yc
        if len(out) >= spec.max_lines:
            break
    return out


def find_raw(scope: Scope, spec: FieldSpec, other_anchors: list[re.Pattern[str]]) -> list[Found]:
    """Every occurrence of the field in the scope, as raw text with its runs."""
    pattern = rx(spec.anchor)
    results: list[Found] = []
    for anchor in scope.find(pattern):
        if spec.page is not None and anchor.page != spec.page:
            continue
        rest = _rest_of_anchor(anchor, pattern) if spec.pick == "all" else ""
        if spec.mode == "self":
            chunks, parts = [anchor], [anchor.text]
        elif spec.mode == "below":
            chunks = _below(scope, anchor, spec)
            parts = ([rest] if rest else []) + [c.text for c in chunks]
            if rest:
                chunks = [anchor, *chunks]
        else:
            chunks = _right(scope, anchor, spec, other_anchors)
            parts = ([rest] if rest else []) + [c.text for c in chunks]
            if rest:
                chunks = [anchor, *chunks]
        text = squash(" ".join(p for p in parts if p))
        if spec.value is not None:
            m = rx(spec.value).search(text)
            if not m:
                continue
            text = m.group(1) if m.groups() else m.group(0)
        results.append(Found(text.strip(), chunks or [anchor], anchor))
    return results


def convert(spec: FieldSpec, text: str, date_formats: list[str], decimal: str = ",") -> object:
    """Turn a field's raw text into its typed value (None when it does not parse)."""
    if text == "":
        return None
    if spec.type == "text":
        return text
    if spec.type == "id":
        return normalize_id(text)
    if spec.type == "number":
        return parse_number(text, decimal)
    if spec.type == "percent":
        return parse_percent(text, decimal)
    if spec.type == "max_number":
        nums = [parse_number(m, decimal) for m in re.findall(r"\d+(?:[.,]\d+)?", text)]
        nums = [n for n in nums if n is not None]
        return max(nums) if nums else None
    if spec.type == "code":
        for pattern, code in spec.map:
            if rx(pattern).search(text):
                return code
        return None
    dates: list[date] = find_dates(text, date_formats)
    if spec.type == "date":
        return dates[0] if dates else None
    if spec.type == "date_range":
        return (dates[0], dates[1]) if len(dates) >= 2 else None
    raise ValueError(f"unknown field type {spec.type}")


def read_field(
    scope: Scope,
    spec: FieldSpec,
    other_anchors: list[re.Pattern[str]],
    date_formats: list[str],
    decimal: str = ",",
) -> tuple[object, list[Chunk], Chunk | None]:
    """The field's value (typed), its evidence runs and its label run; (None, [], None) when absent."""
    found = find_raw(scope, spec, other_anchors)
    values = [(convert(spec, f.text, date_formats, decimal), f) for f in found]
    values = [(v, f) for v, f in values if v is not None]
    if not values:
        return None, [], None
    if spec.occurrence == "sum":
        total = round(sum(v for v, _ in values), 2)  # type: ignore[misc]
        return total, [c for _, f in values for c in f.chunks], values[0][1].anchor
    v, f = values[0] if spec.occurrence == "first" else values[-1]
    return v, f.chunks, f.anchor
