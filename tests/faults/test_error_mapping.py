"""One non-retryable error base, mapped to AirflowFailException in one place; the ERP hook."""

from __future__ import annotations

import json

import pytest

from collecte.errors import NonRetryableError, TransientError, is_transient


def test_fail_fast_turns_non_retryable_errors_into_airflow_failures():
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.airflow.errors import fail_fast
    from collecte.export.rest import ReceiverForbidden, ReceiverUnavailable

    @fail_fast
    def body(exc):
        raise exc

    with pytest.raises(AirflowFailException, match="ReceiverForbidden: ERP refused"):
        body(ReceiverForbidden("ERP refused the credentials (HTTP 401)"))
    with pytest.raises(ReceiverUnavailable):  # transient: left to Airflow's retries
        body(ReceiverUnavailable("ERP unavailable"))


def test_domain_errors_sit_on_one_side_or_the_other():
    from collecte.sources.portal.errors import (
        AccountLocked,
        LayoutChanged,
        LoginFailed,
        MfaRequired,
        SiteDown,
    )

    for fatal in (LoginFailed, AccountLocked, MfaRequired, LayoutChanged):
        assert issubclass(fatal, NonRetryableError) and not is_transient(fatal("x"))
    assert issubclass(SiteDown, TransientError) and is_transient(SiteDown("down"))


def test_erp_hook_reads_the_connection(monkeypatch):
    from collecte.airflow.hooks.erp import ErpHook

    monkeypatch.setenv("AIRFLOW_CONN_ERP_TEST", json.dumps(
        {"conn_type": "http", "host": "erp.example", "schema": "https", "port": 8443, "password": "tok",
         "extra": {"path": "/v2/invoices"}}))
    target = ErpHook("erp_test", max_attempts=3).get_target()
    assert (target.base_url, target.token, target.path, target.max_attempts) == \
        ("https://erp.example:8443", "tok", "/v2/invoices", 3)
    with ErpHook("erp_test").get_conn() as client:
        assert client.base_url == "https://erp.example:8443" and client.policy.attempts == 5


def test_collecte_task_is_airflow_task_with_the_mapping():
    """`collecte.airflow.tasks.task` builds the same operators as Airflow's, whose callable turns a
    NonRetryableError into AirflowFailException and leaves transient errors to the retries."""
    from datetime import datetime

    from airflow.sdk import DAG
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.airflow.tasks import task
    from collecte.export.rest import ReceiverForbidden
    from collecte.sources.portal.errors import SiteDown

    @task(retries=2)
    def fatal(code: int):
        raise ReceiverForbidden(f"ERP refused the credentials (HTTP {code})")

    @task
    def flaky():
        raise SiteDown("down for a moment")

    with DAG("fail_fast_probe", schedule=None, start_date=datetime(2026, 1, 1)):
        mapped = fatal.expand(code=[401, 403])
        plain = flaky()
    assert mapped.operator.task_id == "fatal" and plain.operator.task_id == "flaky"
    with pytest.raises(AirflowFailException, match="ReceiverForbidden: ERP refused the credentials .HTTP 401"):
        mapped.operator.python_callable(401)
    with pytest.raises(SiteDown):
        plain.operator.python_callable()
