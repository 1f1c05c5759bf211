"""Supplier templates: YAML data files describing a layout, validated into typed specs.

A template says how to recognise the supplier (weighted keywords), where the header and site
fields are (anchored labels + regexes), which tables hold the readings, the lines and the
site summary (header row, end markers, columns found by x-position from their header labels),
the number/date formats, and the rules that turn labels into categories, periods and units.
Adding a supplier adds a YAML file in ``templates/``, not code.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

TEMPLATES_DIR = Path(__file__).parent / "templates"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    """Where one value stands: a label (anchor) and how to read the value from there.

    mode ``right``: runs to the right of the anchor (the anchor run's own text after the match
    counts too); with ``wrap`` the value may wrap above/below the label, each run going to the
    nearest label of the label column. mode ``below``: the lines under the anchor in its
    column, until ``stop`` or a vertical gap over ``max_gap``. mode ``self``: the anchor run.
    """

    anchor: str
    mode: Literal["right", "below", "self"] = "right"
    value: str | None = None  # regex on the value text; group 1 (if any) is kept
    type: Literal["text", "number", "date", "date_range", "id", "max_number", "code", "percent"] = "text"
    pick: Literal["all", "first", "last"] = "all"
    min_dx: float = 0.0
    max_dx: float | None = None
    wrap: bool = False
    then_below: bool = False
    stop: str | None = None
    max_gap: float = 14.0
    max_lines: int = 4
    occurrence: Literal["first", "last", "sum"] = "first"
    map: list[tuple[str, str]] = Field(default_factory=list)
    page: int | None = None  # restrict to one page index
    # a value every invoice of the layout prints: its absence sends the invoice to review
    # ("invoice": required on invoices, not on credit notes)
    required: bool | Literal["invoice"] = False
    # the layout prints the label with an empty value when there is none (otherwise a label printed
    # without a readable value sends the invoice to review)
    blank: bool = False

    @field_validator("anchor", "value", "stop")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            re.compile(v)
        return v


class ColumnSpec(_Spec):
    """A table column, located by the header label over it (``nth`` match in the header band)."""

    header: str
    nth: int = 1


class TableSpec(_Spec):
    """A table: its header row, columns, the key column that makes a row, and where it ends."""

    header: str  # regex of a run of the header row
    columns: dict[str, ColumnSpec]
    key: str
    # the key cell must look like an amount or a quantity (a number, maybe a sign and a unit)
    key_pattern: str = r"^[-\u2212]?\d[\d \u00a0\u202f.,]*(?:\s*(?:€|EUR|kWh|MWh|m³|kvarh))?$"
    label: str | None = None  # column read as cells by geometry (wrapped labels)
    # columns a supplier may print that the template does not read (a VAT amount, a reference):
    # expected, so not a layout change, and their values stay out of the neighbouring columns
    extra_columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    end: list[str] = Field(default_factory=list)  # regexes on a line's first run
    skip: list[str] = Field(default_factory=list)  # regexes on a row's text: not rows
    titles: list[str] = Field(default_factory=list)  # label-only text that is a section title
    header_band: float = 6.0
    # label lines closer than ``cell_gap`` (glyph box to glyph box) or ``cell_pitch`` (centre to
    # centre: the leading of the label font plus a margin) are one cell
    cell_gap: float = 4.0
    cell_pitch: float = 11.0
    column_pad: float = 3.0
    max_row_gap: float = 60.0  # pt without a row before the table is considered over


class LinesSpec(_Spec):
    """Billed lines: the table and the rules from label to category, period and unit."""

    table: TableSpec
    categories: list[tuple[str, str]]
    periods: list[tuple[str, str]] = Field(default_factory=list)
    period_categories: list[str] = Field(default_factory=lambda: ["energy", "network"])
    units: dict[str, str] = Field(default_factory=dict)
    label_replace: list[tuple[str, str]] = Field(default_factory=list)


class ReadingsSpec(_Spec):
    """Meter readings table and how to read its period, unit and reading type."""

    table: TableSpec
    periods: list[tuple[str, str]] = Field(default_factory=list)
    unit: Literal["kWh", "m3"] = "kWh"
    types: list[tuple[str, str]] = Field(default_factory=list)


class SitesSpec(_Spec):
    """How sites are found (``split`` heading regex for multi-site invoices) and read."""

    split: str | None = None
    fields: dict[str, FieldSpec]
    labels: list[str] = Field(default_factory=list)  # other printed labels that end a value zone
    readings: ReadingsSpec | None = None
    lines: LinesSpec
    total_from_invoice: bool = False


class SummarySpec(_Spec):
    """The table of sites with their totals printed on multi-site invoices (for reconciliation)."""

    table: TableSpec


class DetectSpec(_Spec):
    """Weighted keywords (regexes on the first page's text) that recognise the issuer."""

    keywords: list[tuple[str, float]]
    min_score: float = 0.6


class Template(_Spec):
    """One supplier layout."""

    code: str
    name: str
    energy: Literal["electricity", "gas"]
    detect: DetectSpec
    # Page furniture (repeated page header and footer): runs matching ``furniture`` regexes inside
    # the top/bottom ``furniture_zone`` (pt) are left out of tables and site sections; ``margins``
    # (pt) cut everything above/below, for layouts whose furniture cannot be described.
    furniture: list[str] = Field(default_factory=list)
    furniture_zone: tuple[float, float] = (130.0, 90.0)
    margins: tuple[float, float] = (0.0, 0.0)
    dates: list[str]
    decimal: Literal[",", "."] = ","  # decimal separator of printed numbers
    credit_note: str  # regex on a first-page run marking a credit note
    fields: dict[str, FieldSpec]
    labels: list[str] = Field(default_factory=list)  # other printed labels that end a value zone
    sites: SitesSpec
    summary: SummarySpec | None = None
    fingerprint: dict | None = None  # the layout it was written for (see fingerprint.py)


def load_template(path: Path) -> Template:
    """Read and validate one template file."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    try:
        tpl = Template.model_validate(data)
        _check_patterns(tpl)
    except Exception as exc:  # pydantic ValidationError or re.error: say which file
        raise ValueError(f"invalid invoice template {path.name}: {exc}") from exc
    return tpl


def _check_patterns(tpl: Template) -> None:
    """Compile every regex of the template now, so a typo fails at load time, not mid-run."""
    rule_lists: list[list[tuple[str, str]]] = [tpl.sites.lines.categories, tpl.sites.lines.periods]
    rule_lists.append([(p, "") for p, _ in tpl.detect.keywords])
    rule_lists.append([(p, "") for p in [*tpl.labels, *tpl.sites.labels, *tpl.furniture]])
    if tpl.sites.readings is not None:
        rule_lists += [tpl.sites.readings.periods, tpl.sites.readings.types]
    for spec in [*tpl.fields.values(), *tpl.sites.fields.values()]:
        rule_lists.append(list(spec.map))
    tables = [tpl.sites.lines.table] + ([tpl.sites.readings.table] if tpl.sites.readings else [])
    tables += [tpl.summary.table] if tpl.summary else []
    for t in tables:
        rule_lists.append(
            [(p, "") for p in [t.header, *t.end, *t.skip, *t.titles,
                               *(c.header for c in [*t.columns.values(), *t.extra_columns.values()])]]
        )
    for rules in rule_lists:
        for pattern, _ in rules:
            re.compile(pattern)
    for pattern in [tpl.credit_note, tpl.sites.split or ""]:
        re.compile(pattern)


@functools.cache
def load_templates(directory: str | None = None) -> tuple[Template, ...]:
    """Every template in ``directory`` (default: the package's ``templates/``), by file name."""
    folder = Path(directory) if directory else TEMPLATES_DIR
    return tuple(load_template(p) for p in sorted(folder.glob("*.yaml")))


@functools.cache
def rx(pattern: str) -> re.Pattern[str]:
    """Compiled, cached regex."""
    return re.compile(pattern)
