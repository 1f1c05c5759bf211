"""The shipped GRDF operator file and its validation."""

from __future__ import annotations

import pytest

from collecte.config.loader import ConfigError
from collecte.sources.grdf.config import load_grdf_config
from collecte.sources.grdf.plan import CollectionPlan

pytestmark = pytest.mark.timeout(10)


def test_shipped_file_lists_the_demo_pces():
    config = load_grdf_config()
    assert [m.id for m in config.meters] == ["21100000000001", "21100000000002", "GI000123",
                                             "21100000000003", "21100000000004"]
    assert config.pool == "grdf" and config.task_rate * config.pool_slots == config.rate_per_second


def test_bad_file_names_file_and_field(tmp_path):
    bad = tmp_path / "grdf.yaml"
    bad.write_text("code: grdf\nmeters:\n  - {id: '1234', kinds: [load_curve]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_grdf_config(bad)
    message = str(info.value)
    assert str(bad) in message and "meters.0.id" in message and "meters.0.kinds" in message


def test_batches_are_labelled_for_the_grid():
    plan = CollectionPlan(allowed={"21100000000001": ["daily"], "21100000000002": ["daily"], "GI000123": ["daily"]})
    batches = plan.batches(2)
    assert [b["label"] for b in batches] == ["21100000000001…21100000000002 (2)", "GI000123"]
    assert batches[1]["pces"] == [{"pce": "GI000123", "kinds": ["daily"]}]
