"""Celery queue of a road: its own from the YAML, else its road type's default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from collecte.config.models import QUEUES, RoadConfig
from collecte.sources.enedis.config import OperatorConfig
from collecte.sources.grdf.config import GrdfConfig


def road(**fields) -> RoadConfig:
    base = {"type": "portal", "conn_id": "portal_x", "gateway": "volta"}
    return RoadConfig.model_validate({**base, **fields})


def test_road_types_default_to_their_queue():
    assert road().task_queue == "browser"
    assert road(type="api").task_queue == "api"
    assert road(type="sftp", remote_dir="in", patterns={"invoice_pdf": "*.pdf"}, gateway=None).task_queue == "default"


def test_a_road_may_name_its_queue():
    assert road(type="api", queue="default").task_queue == "default"


def test_an_unknown_queue_is_refused():
    with pytest.raises(ValidationError, match="queue"):
        road(queue="gpu")


def test_operators_call_on_the_api_queue():
    assert OperatorConfig(code="enedis").queue == "api"
    assert GrdfConfig().queue == "api"
    assert set(QUEUES) == {"browser", "api", "default"}
