"""The template engine: one function that applies any supplier template to a parsed PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from collecte.invoices.fields import read_field
from collecte.invoices.layout import Line, Scope, body_chunks, split_sections
from collecte.invoices.parsing import normalize_id, parse_number, parse_percent, squash
from collecte.invoices.pdftext import Chunk, Document
from collecte.invoices.tables import Flag, Row, find_table
from collecte.invoices.template import FieldSpec, LinesSpec, ReadingsSpec, Template, rx

Box = tuple[float, float, float, float]  # x0, top, x1, bottom (pt, top-left origin)


@dataclass(slots=True)
class Extraction:
    """What a template read: the invoice dict, where each value stands, and problems met."""

    invoice: dict
    evidence: list[tuple[str, int, Box]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)
    flags: list[tuple[str, Flag]] = field(default_factory=list)  # (field path, what is unexplained)
    cited: set[int] = field(default_factory=set)  # ids of the runs values were read from
    grid_labels: dict[int, Chunk] = field(default_factory=dict)  # key/value grid labels found
    seen: dict[str, dict] = field(default_factory=dict)  # labels and table headers as printed

    def flag(self, path: str, message: str, chunks: list[Chunk], layout: bool = False) -> None:
        """Record something read without confidence (the invoice goes to review with its place)."""
        self.flags.append((path, Flag(message, chunks, layout)))

    def cite(self, path: str, chunks: list[Chunk]) -> None:
        """Record the runs a value was read from (one box per page)."""
        by_page: dict[int, list[Chunk]] = {}
        self.cited.update(map(id, chunks))
        for c in chunks:
            by_page.setdefault(c.page, []).append(c)
        for page, cs in by_page.items():
            box = (
                min(c.x0 for c in cs),
                min(c.top for c in cs),
                max(c.x1 for c in cs),
                max(c.bottom for c in cs),
            )
            self.evidence.append((path, page, box))


def _iso(v: object) -> object:
    return v.isoformat() if isinstance(v, date) else v


def _read_fields(
    scope: Scope, specs: dict[str, FieldSpec], tpl: Template, ex: Extraction, prefix: str, labels: list[str]
) -> dict[str, object]:
    anchors = {name: rx(s.anchor) for name, s in specs.items()}
    extra = [rx(p) for p in labels]
    out: dict[str, object] = {}
    for name, spec in specs.items():
        others = [p for n, p in anchors.items() if n != name] + extra
        value, chunks, label = read_field(scope, spec, others, tpl.dates, tpl.decimal)
        out[name] = value
        if spec.mode == "right" and not spec.wrap:
            ex.grid_labels.update((id(a), a) for a in scope.find(anchors[name]))
        needed = spec.required is True or (spec.required == "invoice" and ex.invoice["document_type"] == "invoice")
        if needed and value is None:
            ex.flag(f"{prefix}{name}", f"required field {prefix}{name} not found (label {spec.anchor})", [])
        elif value is None and spec.mode != "self" and not spec.blank:
            printed = [c for c in scope.find(anchors[name]) if spec.page is None or c.page == spec.page]
            if printed:
                ex.flag(f"{prefix}{name}", f"label '{printed[0].text}' is printed but no value was read", printed[:1])
        if chunks:
            ex.cite(f"{prefix}{name}", chunks)
            text = anchors[name].search(label.text).group(0).strip() if label is not None else ""
            if label is not None and spec.mode != "self" and text and not re.search(r"\d", text):
                ex.seen[f"{prefix}{name}"] = {"text": text, "page": label.page,
                                              "box": [label.x0, label.top, label.x1, label.bottom]}
    return out


def _first_match(rules: list[tuple[str, str]], text: str) -> str | None:
    for pattern, code in rules:
        if rx(pattern).search(text):
            return code
    return None


def _label(spec: LinesSpec, text: str) -> str:
    label = squash(text)
    for pattern, repl in spec.label_replace:
        label = re.sub(pattern, repl, label)
    return label


def _unit(spec: LinesSpec, text: str) -> str | None:
    m = re.search(r"([A-Za-zéûÉ³]+)\s*$", text)
    if not m:
        return None
    word = m.group(1)
    return spec.units.get(word, spec.units.get(word.lower(), word))


CUT_LABEL = re.compile(r"(?:\b(?i:de|du|des|la|le|les|au|aux|et|à|sur|par|pour|en|d'|l')|[-,(/])$|^[a-zà-ÿ]")


def _line(spec: LinesSpec, row: Row, decimal: str, ex: Extraction, path: str) -> dict:
    label = _label(spec, row.get("label"))
    category = _first_match(spec.categories, label)
    where = row.boxes.get("label") or row.line.chunks
    if not label:
        ex.flag(path, "a billed line has no label", row.line.chunks)
    elif label.count("(") != label.count(")") or CUT_LABEL.search(label):
        ex.flag(path, f"label '{label}' looks cut (read only in part)", where)
    if "vat" in spec.table.columns and not row.get("vat"):
        ex.flag(path, f"line '{label}': no VAT rate read in the VAT column", row.line.chunks)
    if category is None:
        ex.flag(path, f"line '{label}': category not recognised by the template", where)
        category = "other"
    period = row.get("period").strip() or None
    if period is None and category in spec.period_categories:
        period = _first_match(spec.periods, label)
        per_kwh = re.search(r"(?i)\bkWh\b", f"{row.get('quantity')} {row.get('unit')} {row.get('unit_price')}")
        if period is None and spec.periods and per_kwh:
            ex.flag(path, f"line '{label}': time-of-use period not recognised", where)
    qty_text = f"{row.get('quantity')} {row.get('unit')}".strip()
    quantity = parse_number(qty_text, decimal)
    unit = _unit(spec, qty_text) if quantity is not None else None
    if quantity is not None and unit not in spec.units.values():
        ex.flag(path, f"line '{label}': unit '{unit or ''}' not recognised", row.boxes.get("unit") or where)
    return {
        "category": category,
        "label": label,
        "period": period,
        "quantity": quantity,
        "unit": unit,
        "unit_price": parse_number(row.get("unit_price"), decimal),
        "amount_excl_tax": parse_number(row.get("amount"), decimal),
        "vat_rate": parse_percent(row.get("vat"), decimal) if row.get("vat") else None,
    }


def _reading(spec: ReadingsSpec, row: Row, decimal: str, ex: Extraction, path: str) -> dict:
    coef = parse_number(row.get("coefficient"), decimal) if row.get("coefficient") else None
    period = _first_match(spec.periods, row.get("period"))
    if period is None and spec.periods:
        ex.flag(path, f"meter reading period '{row.get('period')}' not recognised", row.line.chunks)
    for col in ("index_start", "index_end", "kwh"):
        if col in spec.table.columns and parse_number(row.get(col), decimal) is None:
            ex.flag(path, f"meter reading: no number read in column {col}", row.boxes.get(col) or row.line.chunks)
    if row.get("type") and _first_match(spec.types, row.get("type")) is None:
        ex.flag(path, f"reading type '{row.get('type')}' not recognised", row.boxes.get("type") or row.line.chunks)
    return {
        "period": period or row.get("period"),
        "index_start": parse_number(row.get("index_start"), decimal),
        "index_end": parse_number(row.get("index_end"), decimal),
        "unit": spec.unit,
        "conversion_coefficient": coef,
        "reading_type": _first_match(spec.types, row.get("type")),
        "kwh": parse_number(row.get("kwh"), decimal),
    }


def _cite_row(ex: Extraction, path: str, row: Row, names: dict[str, str]) -> None:
    for col, fname in names.items():
        if row.boxes.get(col):
            ex.cite(f"{path}.{fname}", row.boxes[col])


_LINE_CELLS = {
    "label": "label",
    "period": "period",
    "quantity": "quantity",
    "unit": "unit",
    "unit_price": "unit_price",
    "amount": "amount_excl_tax",
    "vat": "vat_rate",
}
_READING_CELLS = {
    "period": "period",
    "index_start": "index_start",
    "index_end": "index_end",
    "coefficient": "conversion_coefficient",
    "type": "reading_type",
    "kwh": "kwh",
}


def _site(tpl: Template, lines: list[Line], ex: Extraction, idx: int, invoice: dict) -> dict:
    scope = Scope([c for ln in lines for c in ln.chunks], lines)
    prefix = f"sites[{idx}]."
    f = _read_fields(scope, tpl.sites.fields, tpl, ex, prefix, tpl.sites.labels)
    period = f.get("period")
    site: dict = {
        "meter_id": f.get("meter_id"),
        "site_name": f.get("site_name"),
        "site_address": f.get("site_address"),
        "period_start": _iso(period[0]) if period else None,  # type: ignore[index]
        "period_end": _iso(period[1]) if period else None,  # type: ignore[index]
        "tariff_option": f.get("tariff_option"),
        "subscribed_power_kva": f.get("subscribed_power_kva"),
        "max_power_kva": f.get("max_power_kva"),
        "consumption_kwh": f.get("consumption_kwh"),
        "readings": [],
        "lines": [],
        "total_excl_tax": f.get("total_excl_tax"),
    }
    if isinstance(site["meter_id"], str):
        site["meter_id"] = normalize_id(site["meter_id"])
    pos = 0
    if tpl.sites.readings is not None:
        read = find_table(tpl.sites.readings.table, lines)
        _table_flags(ex, f"{prefix}readings", read)
        pos = read.end
        for j, row in enumerate(read.rows):
            site["readings"].append(_reading(tpl.sites.readings, row, tpl.decimal, ex, f"{prefix}readings[{j}]"))
            _cite_row(ex, f"{prefix}readings[{j}]", row, _READING_CELLS)
    read = find_table(tpl.sites.lines.table, lines, pos)
    if not read.rows and pos:
        read = find_table(tpl.sites.lines.table, lines)
    _table_flags(ex, f"{prefix}lines", read)
    for j, row in enumerate(read.rows):
        line = _line(tpl.sites.lines, row, tpl.decimal, ex, f"{prefix}lines[{j}]")
        site["lines"].append(line)
        _cite_row(ex, f"{prefix}lines[{j}]", row, _LINE_CELLS)
    if site["consumption_kwh"] is None and site["readings"]:
        site["consumption_kwh"] = sum(r["kwh"] or 0 for r in site["readings"])
    if site["total_excl_tax"] is None and tpl.sites.total_from_invoice:
        site["total_excl_tax"] = invoice.get("total_excl_tax")
    return site


def _table_flags(ex: Extraction, path: str, read) -> None:
    """Keep a table's header as printed (for the layout fingerprint) and what it could not explain."""
    key = f"table:{path.split('.')[-1]}"
    if read.headers and key not in ex.seen:
        ex.seen[key] = {"columns": read.headers}
        first = min(read.header_chunks, key=lambda c: (c.page, c.top))
        where = [c for c in read.header_chunks if c.page == first.page]
        ex.seen[f"{path} table"] = {"text": read.headers[0], "page": first.page, "box": [
            min(c.x0 for c in where), min(c.top for c in where), max(c.x1 for c in where), max(c.bottom for c in where)]}
    for f in read.flags:
        ex.flags.append((path, f))
    ex.cited.update(map(id, read.header_chunks))
    for r in read.rows:
        for cs in r.boxes.values():
            ex.cited.update(map(id, cs))


def _summary(tpl: Template, lines: list[Line], ex: Extraction) -> None:
    if tpl.summary is None:
        return
    read = find_table(tpl.summary.table, lines)
    _table_flags(ex, "summary", read)
    for j, row in enumerate(read.rows):
        if not row.get("meter_id"):
            continue
        ex.summary.append(
            {
                "meter_id": normalize_id(row.get("meter_id")),
                "site_name": squash(row.get("site_name")) or None,
                "consumption_kwh": parse_number(row.get("consumption"), tpl.decimal),
                "total_excl_tax": parse_number(row.get("amount"), tpl.decimal),
            }
        )
        _cite_row(ex, f"summary[{j}]", row, {"meter_id": "meter_id", "amount": "total_excl_tax"})


def is_credit_note(tpl: Template, doc: Document) -> bool:
    """Whether the first page carries the template's credit-note marker."""
    pattern = rx(tpl.credit_note)
    return any(pattern.search(c.text) for c in doc.pages[0].chunks)


def apply_template(tpl: Template, doc: Document) -> Extraction:
    """Read the invoice described by ``tpl`` from ``doc``."""
    kind = "credit_note" if is_credit_note(tpl, doc) else "invoice"
    ex = Extraction(invoice={"document_type": kind})
    everything = Scope.of(doc.chunks)
    head = _read_fields(everything, tpl.fields, tpl, ex, "", tpl.labels)
    invoice: dict = {
        "supplier": tpl.code,
        "document_type": kind,
        "invoice_number": head.get("invoice_number"),
        "invoice_date": _iso(head.get("invoice_date")),
        "due_date": _iso(head.get("due_date")),
        "customer_account": head.get("customer_account"),
        "customer_name": head.get("customer_name"),
        "energy": tpl.energy,
        "currency": "EUR",
        "total_excl_tax": head.get("total_excl_tax"),
        "total_vat": head.get("total_vat"),
        "total_incl_tax": head.get("total_incl_tax"),
        "sites": [],
    }
    ex.invoice = invoice
    body = Scope.of(body_chunks(doc, [rx(f) for f in tpl.furniture], tpl.furniture_zone, tpl.margins))
    if tpl.sites.split:
        sections = split_sections(body.lines, rx(tpl.sites.split))
        first_site = body.lines.index(sections[0][0]) if sections else len(body.lines)
        _summary(tpl, body.lines[:first_site], ex)
    else:
        sections = [body.lines]
    for idx, lines in enumerate(sections):
        invoice["sites"].append(_site(tpl, lines, ex, idx, invoice))
    _label_columns(everything, tpl, ex)
    return ex


LABEL_STEP = 18.0  # pt between two rows of a key/value grid
COLUMN_X = 2.5  # pt: labels of one grid column start within this distance


def _label_columns(scope: Scope, tpl: Template, ex: Extraction) -> None:
    """Key/value grids hold only labels the template knows: a label-like run in the column of a
    known label, with a value to its right, that no rule knows is a renamed or new label."""
    specs = [*tpl.fields.values(), *tpl.sites.fields.values()]
    known = [rx(s.anchor) for s in specs] + [rx(p) for p in [*tpl.labels, *tpl.sites.labels, *tpl.furniture]]
    reported: set[tuple[int, float, float]] = set()
    cited = ex.cited
    memo: dict[str, bool] = {}
    for a in ex.grid_labels.values():
        column = scope.column(a, COLUMN_X)
        if not column:
            continue
        start = min(range(len(column)), key=lambda k: abs(column[k].yc - a.yc))
        for step in (1, -1):
            prev = column[start]
            k = start + step
            while 0 <= k < len(column) and abs(column[k].yc - prev.yc) <= LABEL_STEP:
                r, prev, k = column[k], column[k], k + step
                where = (r.page, r.x0, r.top)
                if where in reported or id(r) in cited:
                    continue
                reported.add(where)  # looked at once, whichever walk reaches it
                if _known(scope, r, known, memo):
                    continue
                if re.search(r"\d", r.text) or not _has_value_right(scope, r):
                    continue
                ex.flag("labels", f"unexpected label '{r.text}' (renamed or new: the template does not know it)",
                        [r], layout=True)


def _known(scope: Scope, r: Chunk, known: list[re.Pattern[str]], memo: dict[str, bool]) -> bool:
    """Whether ``r`` is a known label, or a line of a known label wrapped over several lines."""
    starts = [r]
    up = scope.above(r)
    while up is not None and len(starts) < 3:
        starts.append(up)
        up = scope.above(up)
    texts = [r.text] + [j.text for s in starts for j, parts in scope.joined(s) if r in parts]
    for t in texts:
        if t not in memo:
            memo[t] = any(p.search(t) for p in known)
        if memo[t]:
            return True
    return False


def _has_value_right(scope: Scope, r: Chunk) -> bool:
    return any(r.x1 < c.x0 < r.x1 + 260 for c in scope.near(r, 2.5))
