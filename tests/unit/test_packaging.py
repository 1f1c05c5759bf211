"""The production image carries the product's dependencies only: test and sandbox tools stay out."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_TOOLS = {"moto", "pytest", "pytest-timeout", "ruff", "jsonschema", "tabula-py", "jpype1", "pdfplumber"}


def _names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>!~ ]", line, maxsplit=1)[0].lower())
    return names


def test_product_requirements_hold_no_test_tool() -> None:
    assert not _names(REPO / "requirements.txt") & TEST_TOOLS


def test_dev_requirements_are_exact_pins_over_the_product_ones() -> None:
    dev = (REPO / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev
    for line in dev.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            assert "==" in line, f"requirements-dev.txt: {line!r} is not an exact pin"


def test_image_installs_the_product_requirements_only() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile
