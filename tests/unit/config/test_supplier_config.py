"""Supplier configuration: the shipped files and the README's example validate; mistakes are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from collecte.config import ConfigError, load_supplier, load_suppliers
from collecte.config.models import SupplierConfig

REPO = Path(__file__).resolve().parents[3]


def test_shipped_suppliers_load():
    codes = [s.code for s in load_suppliers()]
    assert {"nordis", "volta", "azur", "gazelec"} <= set(codes)


def test_the_readme_example_is_a_valid_supplier():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding a supplier", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    supplier = SupplierConfig.model_validate(yaml.safe_load(block))
    assert supplier.code == "acme" and supplier.roads[0].type == "sftp"


def test_a_mistake_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("code: bad\nname: Bad\nenergy: electricity\n"
                    "roads:\n  - {type: sftp, conn_id: x, remote_dir: bad/outgoing, patterns: {}}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: roads\.0.*sftp road needs remote_dir and patterns"):
        load_supplier(path)


def test_unknown_keys_are_refused(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("code: typo\nname: T\nenergy: gas\nshedule: '@daily'\n"
                    "roads:\n  - {type: portal, conn_id: x, gateway: volta}\n")
    with pytest.raises(ConfigError, match="shedule"):
        load_supplier(path)
