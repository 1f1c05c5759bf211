"""deploy/helm/values.yaml against the official Airflow chart's values schema (tests/fixtures/helm).

Helm cannot be installed here (no Debian package): the chart's JSON schema is the check `helm lint`
and `helm install` run first. On top of it: the choices collecte's deployment depends on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
SCHEMA = REPO / "tests" / "fixtures" / "helm" / "airflow-chart-1.22.0.values.schema.json"
VALUES = REPO / "deploy" / "helm" / "values.yaml"


@pytest.fixture(scope="module")
def validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def test_values_follow_the_charts_schema(validator, values):
    errors = sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path))
    assert [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors] == []


def test_the_schema_refuses_what_the_chart_does_not_know(validator, values):
    """The check can fail: a misspelt key or a wrong type is reported."""
    broken = {**values, "executor": "Celery executor", "workers": {**values["workers"], "replica": 2}}
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("does not match" in m for m in messages)
    assert any("'replica' was unexpected" in m for m in messages)


def test_one_keda_scaled_worker_set_per_collecte_queue(values):
    from collecte.config.models import QUEUES

    assert values["executor"] == "CeleryExecutor"
    celery = values["workers"]["celery"]
    sets = [{"queue": celery["queue"], **celery}] + celery["sets"]
    assert sorted(s["queue"] for s in sets) == sorted(QUEUES)
    for worker_set in sets:
        keda = worker_set["keda"]
        assert keda["enabled"] and keda["maxReplicaCount"] >= keda["minReplicaCount"]
        assert f"queue = '{worker_set['queue']}'" in keda["query"]
        concurrency = next(e["value"] for e in worker_set["env"] if e["name"] == "AIRFLOW__CELERY__WORKER_CONCURRENCY")
        assert f"/ {concurrency})" in keda["query"]  # one replica per `concurrency` tasks of the queue


def test_secrets_backend_remote_logs_and_external_metadata_db(values):
    config = values["config"]
    assert config["secrets"]["backend"].startswith("airflow.providers.amazon.")
    assert json.loads(config["secrets"]["backend_kwargs"])["connections_prefix"]
    assert config["logging"]["remote_logging"] == "True"
    assert config["logging"]["remote_base_log_folder"].startswith("s3://")
    assert values["postgresql"]["enabled"] is False and values["data"]["metadataSecretName"]
    assert "COLLECTE_RATE_LIMIT_URL" in values["extraEnv"]


def test_the_image_is_the_projects_at_the_pinned_airflow(values):
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert f"apache/airflow:{values['airflowVersion']}-" in dockerfile
    assert "collecte" in values["images"]["airflow"]["repository"]
