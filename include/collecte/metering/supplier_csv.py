"""Suppliers' consumption CSV files -> canonical `supplier_consumption` records.

The layout (delimiter, decimal mark, date format, header names) is supplier config, so another
supplier's CSV is a YAML change. Structural problems are caught here, per row, with the file and
line named; value-level checks (ranges, duplicates) are the Great Expectations suite's job.
stdlib csv is enough (files are small, a few thousand rows) and keeps pandas out of this path.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from collecte.config.models import CsvLayout

TIME_CLASSES = {"BASE", "HP", "HC", "HPH", "HCH", "HPB", "HCB", "P", "PTE", "GAS"}
METER_ID = re.compile(r"^(\d{14}|GI\d{6})$")
COLUMNS = ["supplier", "meter_id", "period_start", "period_end", "time_class", "kwh", "site_name",
           "invoice_number", "raw_key"]


class NotACsvFile(ValueError):
    """The whole file is unusable (binary, wrong encoding, header missing columns)."""


@dataclass
class ParsedCsv:
    """Rows ready to load and rows rejected with their line number and reason."""

    records: list[tuple] = field(default_factory=list)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, raw line)


def _number(text: str, decimal_mark: str) -> Decimal:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if decimal_mark != ".":
        cleaned = cleaned.replace(".", "").replace(decimal_mark, ".")
    return Decimal(cleaned)


def parse_consumption_csv(content: bytes, layout: CsvLayout, *, supplier: str, raw_key: str) -> ParsedCsv:
    """Parse one file; raise NotACsvFile when no row can be trusted."""
    if b"\x00" in content[:4096]:
        raise NotACsvFile("binary content (NUL bytes): not a CSV file")
    try:
        text = content.decode(layout.encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise NotACsvFile(f"not {layout.encoding} text: {exc}") from None
    reader = csv.reader(io.StringIO(text), delimiter=layout.delimiter)
    header = next(reader, None)
    wanted = layout.columns
    if not header or not set(wanted.values()) <= {h.strip() for h in header}:
        missing = sorted(set(wanted.values()) - {h.strip() for h in header or []})
        raise NotACsvFile(f"header lacks column(s) {missing}")
    index = {name: [h.strip() for h in header].index(col) for name, col in wanted.items()}
    parsed = ParsedCsv()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            parsed.records.append(_record(row, index, layout, supplier, raw_key))
        except (ValueError, InvalidOperation, IndexError) as exc:
            parsed.rejects.append((line, str(exc) or type(exc).__name__, layout.delimiter.join(row)))
    return parsed


def _record(row: list[str], index: dict[str, int], layout: CsvLayout, supplier: str, raw_key: str) -> tuple:
    if len(row) < len(index):
        raise ValueError(f"{len(row)} fields, expected at least {len(index)}")
    cell = {name: row[i].strip() for name, i in index.items()}
    meter = cell["meter_id"].replace(" ", "")
    if not METER_ID.match(meter):
        raise ValueError(f"meter id {cell['meter_id']!r} is neither a 14-digit PRM/PCE nor GI+6 digits")
    try:
        start = datetime.strptime(cell["period_start"], layout.date_format).date()
        end = datetime.strptime(cell["period_end"], layout.date_format).date()
    except ValueError:
        raise ValueError(f"dates {cell['period_start']!r}/{cell['period_end']!r} "
                         f"do not follow {layout.date_format}") from None
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    time_class = cell["time_class"].upper()
    if time_class not in TIME_CLASSES:
        raise ValueError(f"unknown time-of-use class {cell['time_class']!r}")
    try:
        kwh = _number(cell["kwh"], layout.decimal)
    except InvalidOperation:
        raise ValueError(f"consumption {cell['kwh']!r} is not a number") from None
    return (supplier, meter, start, end, time_class, kwh, cell.get("site_name") or None,
            cell.get("invoice_number") or None, raw_key)


