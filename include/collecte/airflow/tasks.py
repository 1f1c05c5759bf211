"""`task`: Airflow's `@task` with collecte's error mapping, for every task builder.

    from collecte.airflow.tasks import task

    @task(trigger_rule="all_done")
    def load(...): ...

Exactly `airflow.sdk.task` (same arguments, same `.expand`/`.partial`/`.override`, same
`task.branch`, `task.sensor`...), except that the callable is wrapped in
`collecte.airflow.errors.fail_fast`: a NonRetryableError fails the task at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow.sdk import task as _airflow_task

from collecte.airflow.errors import fail_fast


class _Task:
    """Drop-in for `airflow.sdk.task` applying `fail_fast` to the decorated callable."""

    def __call__(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        if python_callable is not None:
            return _airflow_task(fail_fast(python_callable), **kwargs)
        decorate = _airflow_task(**kwargs)
        return lambda func: decorate(fail_fast(func))

    def __getattr__(self, name: str) -> Any:  # task.branch, task.sensor, task.virtualenv...
        return getattr(_airflow_task, name)


task = _Task()
