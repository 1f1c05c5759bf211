"""Supplier and operator configuration: YAML files in include/config/, validated by pydantic."""

from collecte.config.loader import ConfigError, config_dir, load_supplier, load_suppliers
from collecte.config.models import AccountConfig, RoadConfig, SupplierConfig

__all__ = ["AccountConfig", "ConfigError", "RoadConfig", "SupplierConfig", "config_dir",
           "load_supplier", "load_suppliers"]
