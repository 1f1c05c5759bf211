"""The GRDF operator file (include/config/operators/grdf.yaml), typed and validated.

Read from the files shipped beside the code only (no connection, variable or network), cached per
process, so that parsing the DAG stays pure. A bad file fails naming the file and the field.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from collecte.config.loader import ConfigError, config_dir
from collecte.config.models import Queue
from collecte.sources.grdf.resources import KINDS

PCE = re.compile(r"^(\d{14}|GI\d{6})$")


class GasMeter(BaseModel):
    """One PCE to collect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kinds: tuple[str, ...] = ("consumption", "daily", "contract", "technical")
    demo_mandate: bool = True

    @field_validator("id")
    @classmethod
    def _pce(cls, value: str) -> str:
        if not PCE.match(value):
            raise ValueError(f"PCE {value!r} must be 14 digits or GI followed by 6 digits")
        return value

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown data kind(s) {unknown}; expected some of {list(KINDS)}")
        return value


class GrdfConfig(BaseModel):
    """How `collect_grdf` runs and which PCEs it collects."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = "grdf"
    name: str = "GRDF ADICT"
    conn_id: str = "grdf_adict"
    pool: str = "grdf"
    pool_slots: int = Field(2, ge=1)
    queue: Queue = Field("api", description="Celery queue of the tasks calling GRDF ADICT")
    rate_per_second: float = Field(5.0, gt=0)
    schedule: str = "@daily"
    start_date: date = date(2026, 1, 1)
    batch_size: int = Field(10, ge=1)
    published_lookback_months: int = Field(3, ge=0)
    execution_timeout_minutes: int = Field(120, ge=1, description="per operator task (a batch's collection or load)")
    meters: tuple[GasMeter, ...] = ()

    @property
    def task_rate(self) -> float:
        """Calls per second one task may make so that the pool's tasks together stay under the limit
        (the whole rate when the rate-limit bucket is deployment-wide: collecte.sources.ratelimit)."""
        from collecte.sources.ratelimit import share_of

        return share_of(self.rate_per_second, self.pool_slots)


def load_grdf_config(path: Path | None = None) -> GrdfConfig:
    """The validated GRDF file (cached per path)."""
    return _load(str(path or config_dir() / "operators" / "grdf.yaml"))


@functools.cache
def _load(path: str) -> GrdfConfig:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return GrdfConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
                             for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
