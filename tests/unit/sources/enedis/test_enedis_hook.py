"""EnedisDataConnectHook: the one place reading the Data Connect connection; it returns the ready client."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(("connection", "root"), [
    ({"conn_type": "http", "host": "https://gw.ext.prod.api.enedis.fr"}, "https://gw.ext.prod.api.enedis.fr"),
    ({"conn_type": "http", "host": "127.0.0.1", "port": 8601}, "http://127.0.0.1:8601"),
    ({"conn_type": "http", "host": "gw.ext.prod.api.enedis.fr", "schema": "https"}, "https://gw.ext.prod.api.enedis.fr"),
])
def test_the_hook_builds_the_client_from_the_connection(monkeypatch, connection, root):
    from collecte.airflow.hooks.enedis_dataconnect import EnedisDataConnectHook

    monkeypatch.setenv("AIRFLOW_CONN_ENEDIS_DATACONNECT", json.dumps({
        **connection, "login": "my-client", "password": "s3cret",
        "extra": {"calls_per_second": 5, "calls_per_hour": 1000, "pool_slots": 2, "timeout": 12}}))
    with EnedisDataConnectHook().get_conn() as client:
        assert client.base_url == root and client.client_id == "my-client" and client.client_secret == "s3cret"
        assert client.calls_per_second == 2.5 and client.calls_per_hour == 500  # the pool's two slots share
        assert client.timeout == 12 and "s3cret" not in repr(client)


def test_the_domain_client_imports_without_airflow():
    import subprocess
    import sys

    code = ("import sys, builtins\n"
            "real = builtins.__import__\n"
            "def guard(name, *a, **k):\n"
            "    if name == 'airflow' or name.startswith('airflow.'): raise ImportError('no airflow here')\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = guard\n"
            "import collecte.sources.enedis.dataconnect, collecte.sources.enedis.collect, collecte.metering.dataconnect\n"
            "print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
