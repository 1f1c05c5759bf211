"""Reading supplier YAML from include/config/suppliers/, once, in a stable order.

Only the files shipped beside the code are read (no Variable, connection or network lookup), so
DAG parsing stays pure and fast; the result is cached per process.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from collecte.config.models import SupplierConfig


class ConfigError(ValueError):
    """A configuration file that does not validate; the message names the file and the field."""


def config_dir() -> Path:
    """include/config, or $COLLECTE_CONFIG_DIR."""
    default = Path(__file__).resolve().parents[2] / "config"
    return Path(os.environ.get("COLLECTE_CONFIG_DIR", default))


def load_supplier(path: Path) -> SupplierConfig:
    """Validate one supplier file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SupplierConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


@functools.cache
def _load_all(folder: str) -> tuple[SupplierConfig, ...]:
    files = sorted(Path(folder).glob("*.yaml"))
    suppliers = tuple(load_supplier(p) for p in files)
    codes = [s.code for s in suppliers]
    duplicated = {c for c in codes if codes.count(c) > 1}
    if duplicated:
        raise ConfigError(f"{folder}: supplier code(s) defined twice: {sorted(duplicated)}")
    return suppliers


def load_suppliers(folder: Path | None = None) -> tuple[SupplierConfig, ...]:
    """Every supplier of include/config/suppliers/*.yaml, sorted by file name."""
    return _load_all(str(folder or config_dir() / "suppliers"))
