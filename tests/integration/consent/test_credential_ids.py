"""Credential connection ids (issue #11.6): collision-free, never shared across entities, and a
secrets backend holding the connection makes store/delete fail loudly instead of silently."""

from __future__ import annotations

import json
import re

import pytest

from collecte.consent.credentials import (
    AirflowConnectionStore,
    CredentialError,
    default_conn_id,
    delete_credentials,
    store_credentials,
)
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def test_ids_differ_for_accounts_differing_only_by_case_or_punctuation():
    ids = {default_conn_id("volta", a) for a in ("AB-12", "ab.12", "ab_12", "AB 12", "ab-12")}
    assert len(ids) == 5
    assert all(re.fullmatch(r"[a-z0-9_]{1,250}", i) for i in ids)
    assert default_conn_id("volta", "AB-12") == default_conn_id("volta", "AB-12")


def test_two_customers_never_overwrite_each_other(seeded, consent_airflow_home):
    from airflow.models import Connection

    pg_url, _, _ = seeded
    store = AirflowConnectionStore()
    with connect(pg_url) as conn:
        conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id) VALUES"
                     " ('volta', 'AB-12', 'siege'), ('volta', 'ab.12', 'filiale-sud')")
        first = store_credentials(conn, store, supplier="volta", account_id="AB-12", login="siege@volta",
                                  password="pw-siege", actor="t")
        second = store_credentials(conn, store, supplier="volta", account_id="ab.12", login="sud@volta",
                                   password="pw-sud", actor="t")
    assert first != second
    assert Connection.get_connection_from_secrets(first).login == "siege@volta"
    assert Connection.get_connection_from_secrets(second).login == "sud@volta"
    with connect(pg_url) as conn:  # a connection named in config for two entities is refused
        conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id, conn_id) VALUES"
                     " ('azur', 'X1', 'siege', 'shared_portal'), ('azur', 'X2', 'filiale-sud', 'shared_portal')")
        with pytest.raises(CredentialError, match="another entity"):
            store_credentials(conn, store, supplier="azur", account_id="X1", login="a", password="b", actor="t")
        delete_credentials(conn, store, supplier="volta", account_id="AB-12", actor="t")
    assert Connection.get_connection_from_secrets(second).login == "sud@volta"


def test_a_connection_held_by_a_secrets_backend_is_refused_not_ignored(seeded, consent_airflow_home, monkeypatch):
    from airflow.models import Connection

    pg_url, _, _ = seeded
    store = AirflowConnectionStore()
    conn_id = default_conn_id("volta", "V-9")
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "http", "login": "vault-login",
                                                                       "password": "vault-pw"}))
    with connect(pg_url) as conn:
        conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id) VALUES ('volta', 'V-9', 'siege')")
        with pytest.raises(CredentialError, match="EnvironmentVariablesBackend.*delete it there"):
            delete_credentials(conn, store, supplier="volta", account_id="V-9", actor="t")
        with pytest.raises(CredentialError, match="EnvironmentVariablesBackend.*replace it there"):
            store_credentials(conn, store, supplier="volta", account_id="V-9", login="new", password="new-pw",
                              actor="t")
        conn.rollback()
    assert store.exists(conn_id)
    assert Connection.get_connection_from_secrets(conn_id).login == "vault-login"
