"""Typed supplier configuration. A bad file fails at parse time naming the file and the field.

The vocabulary is kept small on purpose (roads: sftp, portal, api; stages: land, extract, check,
load, export): a supplier YAML says *what* to collect, the DAG factory knows *how*.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SAFE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# How long one task of a road may run before Airflow fails it (a hung portal or server must not
# hold a worker slot for ever); a road's `execution_timeout_minutes` overrides its road's default.
ROAD_TIMEOUT_MINUTES: dict[str, int] = {"sftp": 30, "portal": 45, "api": 20}
# Celery queues: `browser` (Playwright, memory-bound), `api` (operator and supplier APIs), `default` (the rest)
Queue = Literal["browser", "api", "default"]
QUEUES: tuple[str, ...] = ("browser", "api", "default")
ROAD_QUEUE: dict[str, str] = {"sftp": "default", "portal": "browser", "api": "api"}
STAGE_TIMEOUT_MINUTES = 60
_ACCOUNT = re.compile(r"^[A-Za-z0-9._@-]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountConfig(_Strict):
    """One customer account at a supplier: one set of portal credentials, or one API contract."""

    id: str = Field(description="account identifier, used in raw-zone keys and task names")
    conn_id: str | None = Field(None, description="Airflow connection holding this account's credentials")
    entity: str | None = Field(None, description="organization entity the account belongs to")
    meters: list[str] = Field(default_factory=list, description="PRM/PCE covered, when known")
    mfa_mailbox: str | None = Field(None, description="mailbox the gateway may read one-time codes from")
    options: dict[str, str | int | bool] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not _ACCOUNT.match(value):
            raise ValueError(f"account id {value!r} may hold only letters, digits and . _ @ -")
        return value


class RoadConfig(_Strict):
    """One road to a supplier's data."""

    type: Literal["sftp", "portal", "api"]
    conn_id: str = Field(description="Airflow connection of the server, portal or API")
    pool: str | None = Field(None, description="Airflow pool bounding concurrent work on this road")
    pool_slots: int = Field(2, ge=1, description="size of the pool when `make settings` creates it")
    queue: Queue | None = Field(
        None, description="Celery queue of the road's collecting tasks (default per road type: "
                          "portal browser, api api, sftp default)")
    # sftp road
    remote_dir: str | None = Field(None, description="sftp: folder the supplier drops files in")
    patterns: dict[str, str] = Field(default_factory=dict,
                                     description="sftp: raw kind -> file-name glob, e.g. invoice_pdf: '*.pdf'")
    sequence_regex: str | None = Field(None, description="sftp: regex with a (?P<seq>...) group numbering files")
    account_regex: str | None = Field(None, description="sftp: regex with (?P<account>...) taking the account from the name")
    processed_dir: str = Field("processed", description="sftp: sub-folder files are moved to once safe in S3")
    wait_pattern: str | None = Field(None, description="sftp: glob the sensor waits for (default: first pattern)")
    min_age_seconds: int = Field(60, ge=0, description="sftp: a file modified more recently may still be uploading")
    sensor_timeout_seconds: int = Field(3600, ge=1, description="sftp: how long the sensor waits before skipping")
    sensor_poke_seconds: int = Field(60, ge=1, description="sftp: how often the sensor looks")
    execution_timeout_minutes: int | None = Field(
        None, ge=1, le=24 * 60,
        description="longest a task of this road may run (default per road type: sftp 30, portal 45, api 20)")
    # portal / api roads
    gateway: str | None = Field(None, description="portal/api: module name under collecte.sources")
    accounts: list[AccountConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _road_fields(self) -> RoadConfig:
        if self.type == "sftp" and (not self.remote_dir or not self.patterns):
            raise ValueError("an sftp road needs remote_dir and patterns")
        if self.type in ("portal", "api") and not self.gateway:
            raise ValueError(f"a {self.type} road needs a gateway")
        if self.sequence_regex and "(?P<seq>" not in self.sequence_regex:
            raise ValueError("sequence_regex needs a (?P<seq>...) group")
        return self

    @property
    def execution_timeout(self) -> timedelta:
        """The task time limit of this road: its own, else its road type's default."""
        return timedelta(minutes=self.execution_timeout_minutes or ROAD_TIMEOUT_MINUTES[self.type])

    @property
    def task_queue(self) -> str:
        """The Celery queue of this road's collecting tasks: its own, else its road type's default."""
        return self.queue or ROAD_QUEUE[self.type]


class CsvLayout(_Strict):
    """How a supplier's consumption CSV is written: dialect, formats and the canonical column names."""

    delimiter: str = ";"
    decimal: str = ","
    encoding: str = "utf-8"
    date_format: str = "%d/%m/%Y"
    columns: dict[str, str] = Field(description="canonical name -> header in the file, for meter_id, "
                                                "period_start, period_end, time_class, kwh (+ site_name, invoice_number)")

    @model_validator(mode="after")
    def _required_columns(self) -> CsvLayout:
        missing = {"meter_id", "period_start", "period_end", "time_class", "kwh"} - set(self.columns)
        if missing:
            raise ValueError(f"columns must map {sorted(missing)}")
        return self


class SupplierConfig(_Strict):
    """A supplier and every road to its data; one `collect_<code>` DAG is built from it."""

    code: str
    name: str
    energy: Literal["electricity", "gas"]
    schedule: str = "@daily"
    start_date: date = date(2024, 1, 1)
    catchup: bool = False
    owner: str = "collecte"
    tags: list[str] = Field(default_factory=list)
    invoice_template: str | None = Field(None, description="template code of its invoice PDFs")
    roads: list[RoadConfig] = Field(min_length=1)
    consumption_csv: CsvLayout | None = Field(None, description="layout of its consumption CSV files")
    exports: list[str] = Field(default_factory=list, description="exporters to run after loading")
    stage_timeout_minutes: int = Field(STAGE_TIMEOUT_MINUTES, ge=1, le=24 * 60,
                                       description="longest a parse/check/load task may run")

    @field_validator("code")
    @classmethod
    def _safe_code(cls, value: str) -> str:
        if not _SAFE.match(value):
            raise ValueError(f"supplier code {value!r} must be lower-case letters, digits, - or _")
        return value
