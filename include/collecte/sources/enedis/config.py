"""The Enedis operator configuration: include/config/operators/enedis.yaml, validated by pydantic.

Read from the files shipped beside the code only (no connection, variable or network), so DAG
files may load it at parse time; a bad file fails naming the file and the field.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from collecte.config.loader import ConfigError, config_dir
from collecte.config.models import Queue

KINDS = ("daily", "load_curve", "max_power", "index", "contract")
PRM = re.compile(r"^\d{14}$")


class MeterConfig(BaseModel):
    """One delivery point: which data to collect, in which directions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="PRM, 14 digits")
    kinds: list[Literal["daily", "load_curve", "max_power", "index", "contract"]] = Field(
        default_factory=lambda: list(KINDS))
    directions: list[Literal["CONS", "PROD"]] = Field(default_factory=lambda: ["CONS"])
    demo_mandate: bool = True
    label: str | None = None

    @field_validator("id")
    @classmethod
    def _prm(cls, value: str) -> str:
        if not PRM.match(value):
            raise ValueError(f"PRM {value!r} must be exactly 14 digits (quote it in YAML)")
        return value


class OperatorConfig(BaseModel):
    """The Enedis operator: connections, pool, batching, meters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Literal["enedis"]
    conn_id: str = "enedis_dataconnect"
    sge_conn_id: str = "enedis_sge"
    sftp_conn_id: str = "collecte_sftp"
    m023_remote_dir: str = "enedis/m023"
    m023_min_age_seconds: int = Field(60, ge=0, description="M023 files younger than this may still be uploading")
    flows_remote_dir: str = Field("enedis/flows", description="SFTP folder the R50/R151 flow archives arrive in")
    flows_patterns: dict[str, str] = Field(
        default_factory=lambda: {"sge_r50": "*_R50_*.zip", "sge_r151": "*_R151_*.zip"},
        description="raw kind (sge_r50, sge_r151) -> file-name glob of the flow archives")
    flows_name_regex: str = Field(
        r"^ENEDIS_(?P<flow>R50|R151)_(?P<stream>\d+)_(?P<prm>\d{14})_(?P<seq>\d{5})_\d{8}\.zip$",
        description="flow file names: named groups flow and seq (required), stream (the sequence's scope, "
                    "e.g. the subscription; default one sequence per flow) and prm (consent gate at landing)")
    flows_min_age_seconds: int = Field(60, ge=0, description="flow archives younger than this may still be uploading")
    flows_gap_grace_hours: float = Field(
        24, ge=0, description="a missing sequence number is reported once a later file has been there this long")
    flows_silence_days: int = Field(
        3, ge=1, description="an active CDC/IDX subscription older than this with no file of its flow in as many "
                             "days turns collect_sge_flows red (needs the prm group in flows_name_regex)")
    flows_max_members: int = Field(16, ge=1, description="most files one flow archive may hold")
    flows_max_uncompressed_mb: int = Field(256, ge=1, description="most bytes one flow archive may inflate to")
    flows_schedule: str = Field("0 9 * * *", description="Paris cron of collect_sge_flows")
    pool: str = "enedis"
    pool_slots: int = Field(1, ge=1)
    queue: Queue = Field("api", description="Celery queue of the tasks calling the Enedis APIs")
    calls_per_second: float = 5.0
    batch_size: int = Field(4, ge=1, description="meters per mapped task")
    threads_per_task: int = Field(4, ge=1)
    schedule: str = Field("@daily", description="Paris cron of collect_enedis; a daily run covers the Paris day "
                                               "before it and waits for the publication (D+1 08:30)")
    execution_timeout_minutes: int = Field(120, ge=1, description="per operator task (a batch's collection or load)")
    start_date: str = "2026-01-01"
    meters: list[MeterConfig] = Field(default_factory=list)

    @field_validator("flows_name_regex")
    @classmethod
    def _flows_regex(cls, value: str) -> str:
        try:
            groups = re.compile(value).groupindex
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        if not {"flow", "seq"} <= set(groups):
            raise ValueError("needs named groups (?P<flow>...) and (?P<seq>...)")
        return value

    def meter(self, prm: str) -> MeterConfig:
        """The configured meter, or a default one (all kinds, consumption)."""
        return next((m for m in self.meters if m.id == prm), MeterConfig(id=prm))


@functools.cache
def _load(path: str) -> OperatorConfig:
    file = Path(path)
    try:
        return OperatorConfig.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{file}: {problems}") from None


def load_enedis(path: Path | None = None) -> OperatorConfig:
    """include/config/operators/enedis.yaml (cached per process)."""
    return _load(str(path or config_dir() / "operators" / "enedis.yaml"))
