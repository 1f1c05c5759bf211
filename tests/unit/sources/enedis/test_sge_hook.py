"""EnedisSgeHook: the one place reading the `enedis_sge` connection."""

from __future__ import annotations

import json

import pytest

from collecte.sources.enedis.sge import DocumentError, SgeClient

pytestmark = pytest.mark.timeout(60)


def _connection(monkeypatch, **over) -> None:
    value = {"conn_type": "http", "host": "sge-b2b.enedis.fr", "schema": "https", "login": "tiers@example.fr",
             "extra": {"contrat_id": "1234567", "timeout": 30}} | over
    monkeypatch.setenv("AIRFLOW_CONN_SGE_TEST", json.dumps(value))


def test_hook_reads_url_login_contract_and_certificate(monkeypatch):
    from collecte.airflow.hooks.enedis_sge import EnedisSgeHook

    _connection(monkeypatch)
    assert EnedisSgeHook("sge_test").settings() == {
        "base_url": "https://sge-b2b.enedis.fr", "login": "tiers@example.fr", "contract_id": "1234567",
        "cert": None, "timeout": 30.0, "ca_file": None}
    _connection(monkeypatch, login=None, extra={"login_utilisateur": "x@example.fr", "contrat_id": "9",
                                                "cert_file": "/c.pem", "key_file": "/c.key"})
    settings = EnedisSgeHook("sge_test").settings()
    assert (settings["login"], settings["cert"]) == ("x@example.fr", ("/c.pem", "/c.key"))
    _connection(monkeypatch)
    with SgeClient.from_connection("sge_test") as client:  # the domain client goes through the hook
        assert (client.base_url, client.login, client.contract_id) == ("https://sge-b2b.enedis.fr",
                                                                        "tiers@example.fr", "1234567")


def test_a_login_that_is_not_an_email_is_refused_at_once(monkeypatch):
    from collecte.airflow.hooks.enedis_sge import EnedisSgeHook

    _connection(monkeypatch, login="tiers")
    with pytest.raises(DocumentError, match="e-mail pattern"):
        EnedisSgeHook("sge_test").get_client()
