"""The Celery mode's settings: which workers on which queues, and what every component is told."""

from __future__ import annotations

import pytest

from collecte.config.models import QUEUES
from sandbox import workers


def test_the_sandbox_knows_the_projects_queues():
    assert workers.QUEUES == QUEUES


def test_n_workers_on_every_queue_or_one_worker_per_group(monkeypatch):
    monkeypatch.delenv("COLLECTE_WORKER_QUEUES", raising=False)
    monkeypatch.setenv("COLLECTE_WORKERS", "3")
    assert workers.worker_queues() == [QUEUES] * 3
    assert workers.worker_queues(spec="browser,default api") == [("browser", "default"), ("api",)]
    with pytest.raises(SystemExit, match="gpu"):
        workers.worker_queues(spec="api gpu")


def test_executor_is_local_unless_celery_is_asked(monkeypatch):
    monkeypatch.delenv("COLLECTE_EXECUTOR", raising=False)
    assert workers.executor() == "local"
    monkeypatch.setenv("COLLECTE_EXECUTOR", "Celery")
    assert workers.executor() == "celery"
    monkeypatch.setenv("COLLECTE_EXECUTOR", "kubernetes")
    with pytest.raises(SystemExit):
        workers.executor()


def test_celery_settings_point_every_component_at_broker_metadata_and_shared_buckets():
    env = workers.celery_env("redis://:pw@127.0.0.1:6390/0", "postgresql://airflow:pw@127.0.0.1:5433/airflow",
                             "postgresql://collecte:pw@127.0.0.1:5433/collecte")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://airflow:pw@127.0.0.1:5433/airflow"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")
    assert env["COLLECTE_RATE_LIMIT_URL"].endswith("/collecte")
    command = workers.worker_command("worker2", ("api",), concurrency=3)
    assert command[command.index("--concurrency") + 1] == "3"
    assert command[command.index("--queues") + 1] == "api"
    assert command[command.index("--celery-hostname") + 1] == "worker2@%h"


def test_task_instances_of_two_workers_on_one_machine_record_different_hosts(monkeypatch):
    from collecte.airflow.hostname import worker_hostname

    monkeypatch.setenv("COLLECTE_WORKER_NAME", "worker1")
    first = worker_hostname()
    monkeypatch.setenv("COLLECTE_WORKER_NAME", "worker2")
    assert first.endswith("/worker1") and worker_hostname().endswith("/worker2")
    monkeypatch.delenv("COLLECTE_WORKER_NAME")
    assert "/" not in worker_hostname()
