"""GrdfAdictHook: the one place reading the `grdf_adict` connection; the domain client needs no Airflow."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(60)
EXTRA = {"token_url": "https://adict-connexion.example/oauth2/aus1/v1/token", "scope": "/adict/v2",
         "rate_per_second": 2}


def _connection(monkeypatch, **over) -> None:
    value = {"conn_type": "http", "host": "https://api.example/adict/v2", "login": "client-1",
             "password": "s3cret-value", "extra": EXTRA} | over
    monkeypatch.setenv("AIRFLOW_CONN_GRDF_TEST", json.dumps(value))


def test_hook_builds_the_client_from_the_connection(monkeypatch):
    from collecte.airflow.hooks.grdf_adict import GrdfAdictHook
    from collecte.sources.grdf import AdictClient

    _connection(monkeypatch)
    hook = GrdfAdictHook("grdf_test")
    assert hook.settings() == {"api_url": "https://api.example/adict/v2", "token_url": EXTRA["token_url"],
                               "client_id": "client-1", "scope": "/adict/v2", "rate_per_second": 2.0}
    with hook.get_client(rate_per_second=1.0) as client:
        assert isinstance(client, AdictClient)
        assert (client.api_url, client.token_url, client.client_id) == (
            "https://api.example/adict/v2", EXTRA["token_url"], "client-1")
        assert client.limiter.capacity == 1 and "s3cret" not in repr(client)
    with AdictClient.from_connection("grdf_test") as via_domain:  # delegates to the hook
        assert via_domain.token_url == EXTRA["token_url"]


def test_token_url_is_required(monkeypatch):
    from collecte.airflow.hooks.grdf_adict import GrdfAdictHook

    _connection(monkeypatch, extra={"scope": "/adict/v2"})
    with pytest.raises(ValueError, match="token_url is required"):
        GrdfAdictHook("grdf_test").get_client()


def test_domain_client_imports_without_airflow():
    code = ("import sys; import collecte.sources.grdf, collecte.sources.grdf.__main__, collecte.metering.gas; "
            "bad = [m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
