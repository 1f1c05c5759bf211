"""Per-organization export configuration: include/config/exports/<organization>.yaml.

Which invoices an organization receives (by supplier and customer account), and where they go:
a REST ERP, a CSV file in an SFTP outbox, another database. Credentials are never in these files:
each exporter names an Airflow connection.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FIELD = re.compile(r"^(invoice|site|line|delivery)\.[a-z_]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selection(_Strict):
    """Invoices the organization receives; an empty list means all."""

    suppliers: list[str] = Field(default_factory=list)
    customer_accounts: list[str] = Field(default_factory=list)

    def matches(self, invoice: Mapping[str, Any]) -> bool:
        """Whether `invoice` belongs to this organization."""
        return ((not self.suppliers or invoice.get("supplier") in self.suppliers)
                and (not self.customer_accounts or invoice.get("customer_account") in self.customer_accounts))


class _Exporter(_Strict):
    name: str = Field(description="unique within the organization; part of the delivery ledger key")

    @field_validator("name")
    @classmethod
    def _safe(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"exporter name {value!r} must be lower-case letters, digits, - or _")
        return value


class RestExporterConfig(_Exporter):
    """Push each invoice version as JSON to an ERP endpoint."""

    type: Literal["rest"]
    conn_id: str = Field(description="Airflow http connection: host = base URL, password = bearer token")
    path: str = "/api/v1/supplier-invoices"
    timeout_seconds: float = 15.0
    max_attempts: int = Field(5, ge=1, le=20)
    backoff_seconds: float = Field(2.0, ge=0, description="first wait; doubles each attempt, Retry-After wins")
    max_backoff_seconds: float = 60.0


class CsvColumn(_Strict):
    """One column of the CSV: a constant, or a field of the invoice / site / line / delivery."""

    header: str
    value: str | None = Field(None, description="constant text")
    field: str | None = Field(None, description="invoice.<x>, site.<x>, line.<x> or delivery.<version|key>")
    lookup: str | None = Field(None, description="name of a lookup table mapping the field's value")
    default: str | None = None
    date_format: str | None = Field(None, description="strftime format for a date field, e.g. %d/%m/%Y")

    @model_validator(mode="after")
    def _one_source(self) -> CsvColumn:
        if (self.value is None) == (self.field is None):
            raise ValueError(f"column {self.header!r}: give exactly one of value or field")
        if self.field and not _FIELD.match(self.field):
            raise ValueError(f"column {self.header!r}: field {self.field!r} must be invoice.x, site.x, line.x or "
                             "delivery.x")
        return self


class CsvSftpExporterConfig(_Exporter):
    """Write new invoice versions as CSV rows (per invoice, site or line) to an SFTP outbox."""

    type: Literal["csv_sftp"]
    conn_id: str = Field(description="Airflow sftp connection (pinned host_key in its extra)")
    remote_dir: str
    file_name: str = "{organization}_{exporter}_{batch}.csv"
    granularity: Literal["invoice", "site", "line"] = "site"
    delimiter: str = ";"
    decimal_comma: bool = True
    encoding: str = "utf-8"
    columns: list[CsvColumn] = Field(min_length=1)
    lookups: dict[str, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _lookups_exist(self) -> CsvSftpExporterConfig:
        for column in self.columns:
            if column.lookup and column.lookup not in self.lookups:
                raise ValueError(f"column {column.header!r}: lookup {column.lookup!r} is not defined in lookups")
            if self.granularity != "line" and column.field and column.field.startswith("line."):
                raise ValueError(f"column {column.header!r}: line fields need granularity: line")
            if self.granularity == "invoice" and column.field and column.field.startswith("site."):
                raise ValueError(f"column {column.header!r}: site fields need granularity site or line")
        return self


class DatabaseExporterConfig(_Exporter):
    """Copy invoice versions into another database through SQLAlchemy."""

    type: Literal["database"]
    conn_id: str = Field(description="Airflow connection whose SQLAlchemy URL is the target database")
    table_prefix: str = "collecte_"
    schema_name: str | None = None


ExporterConfig = Annotated[RestExporterConfig | CsvSftpExporterConfig | DatabaseExporterConfig,
                           Field(discriminator="type")]


class ExportConfig(_Strict):
    """One organization's exports."""

    organization: str
    select: Selection = Field(default_factory=Selection)
    exporters: list[ExporterConfig] = Field(min_length=1)

    @field_validator("organization")
    @classmethod
    def _safe(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"organization {value!r} must be lower-case letters, digits, - or _")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> ExportConfig:
        names = [e.name for e in self.exporters]
        if len(set(names)) != len(names):
            raise ValueError(f"exporter names must be unique: {names}")
        return self

    def exporter_id(self, exporter: Any) -> str:
        """Ledger id of an exporter: `<organization>/<name>`."""
        return f"{self.organization}/{exporter.name}"


class ExportConfigError(ValueError):
    """An export file that does not validate; the message names the file and the field."""


def load_export(path: Path) -> ExportConfig:
    """Validate one export file."""
    try:
        return ExportConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors())
        raise ExportConfigError(f"{path}: {problems}") from None
    except yaml.YAMLError as exc:
        raise ExportConfigError(f"{path}: not valid YAML: {exc}") from None


@functools.cache
def _load_all(folder: str) -> tuple[ExportConfig, ...]:
    configs = tuple(load_export(p) for p in sorted(Path(folder).glob("*.yaml")))
    orgs = [c.organization for c in configs]
    if len(set(orgs)) != len(orgs):
        raise ExportConfigError(f"{folder}: an organization is defined twice: {orgs}")
    return configs


def load_exports(folder: Path | None = None) -> tuple[ExportConfig, ...]:
    """Every organization's export config, from include/config/exports/*.yaml (sorted by file name)."""
    from collecte.config.loader import config_dir

    return _load_all(str(folder or config_dir() / "exports"))


def exports_for_supplier(supplier: str, folder: Path | None = None) -> list[ExportConfig]:
    """Organizations that receive invoices of `supplier`."""
    return [c for c in load_exports(folder) if not c.select.suppliers or supplier in c.select.suppliers]
