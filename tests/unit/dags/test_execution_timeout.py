"""Every task of a supplier DAG has a time limit (#11.17): per road from its config, the stages' own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collecte.config import load_suppliers
from collecte.config.models import ROAD_TIMEOUT_MINUTES, SupplierConfig


def _dag(supplier: SupplierConfig):
    from collecte.dags.factory import build_supplier_dag

    return build_supplier_dag(supplier)


@pytest.mark.parametrize("supplier", load_suppliers(), ids=lambda s: s.code)
def test_every_task_has_the_timeout_of_its_road_or_stage(supplier):
    dag = _dag(supplier)
    group_roads = {}
    for index, road in enumerate(supplier.roads):
        types = [r.type for r in supplier.roads]
        group_roads[road.type if types.count(road.type) == 1 else f"{road.type}_{index}"] = road
    for task in dag.tasks:
        group = task.task_id.split(".", 1)[0] if "." in task.task_id else None
        expected = (group_roads[group].execution_timeout if group in group_roads
                    else timedelta(minutes=supplier.stage_timeout_minutes))
        assert task.execution_timeout == expected, task.task_id
        assert task.execution_timeout is not None


def test_a_road_timeout_in_the_yaml_wins_over_the_road_default():
    base = next(s for s in load_suppliers() if s.code == "nordis").model_dump()
    base["roads"][0]["execution_timeout_minutes"] = 7
    base["stage_timeout_minutes"] = 11
    dag = _dag(SupplierConfig.model_validate(base))
    timeouts = {t.task_id: t.execution_timeout for t in dag.tasks}
    assert timeouts["sftp.land_files"] == timedelta(minutes=7)
    assert timeouts["load_consumption"] == timedelta(minutes=11)
    assert ROAD_TIMEOUT_MINUTES["portal"] * 60 == SupplierConfig.model_validate(
        next(s for s in load_suppliers() if s.code == "volta").model_dump()).roads[0].execution_timeout.total_seconds()
    with pytest.raises(ValueError, match="execution_timeout_minutes"):
        SupplierConfig.model_validate({**base, "roads": [{**base["roads"][0], "execution_timeout_minutes": 0}]})
