"""S3 and warehouse calls through injected faults: nothing lost, nothing half-written, nothing twice."""

from __future__ import annotations

from datetime import date

import pytest

from tests.faults.proxy import FaultProxy, FaultTcpProxy, s3_error

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]


def test_raw_zone_through_30_percent_s3_faults(s3_server, s3):
    """Every land, listing and read completes whole; landing the same bytes again creates nothing."""
    from collecte.landing.raw_zone import RawZone
    from collecte.storage.s3 import s3_client, s3_config
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY

    _, bucket = s3
    contents = [f"file {n} ".encode() * 400 for n in range(30)]
    with FaultProxy(s3_server.endpoint_url, rate=0.3, seed=5, stall=1.5, retry_after=0,
                    error_body=s3_error) as proxy:
        client = s3_client(endpoint_url=proxy.url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                           aws_secret_access_key=SECRET_KEY, config=s3_config(connect_timeout=1, read_timeout=0.5))
        zone = RawZone(client, bucket)
        landed = [zone.land(c, source="s", kind="k", account="a", received=date(2026, 1, 1), ext="bin",
                            original_name=f"{n}.bin", origin="test") for n, c in enumerate(contents)]
        again = RawZone(client, bucket)
        repeat = [again.land(c, source="s", kind="k", account="a", received=date(2026, 1, 2), ext="bin",
                             original_name="x", origin="test") for c in contents]
        read = [again.get(o.key) for o in landed]
        keys = again.keys("raw/")
    assert read == contents
    assert all(o.created for o in landed) and not any(o.created for o in repeat)
    assert sorted(keys) == sorted(o.key for o in landed)  # one object per content, none half-written
    assert {"500", "503", "429", "reset", "stall", "short"} <= set(proxy.counts)


def test_warehouse_work_is_rerun_whole_after_a_connection_drop(postgres_server, pg_url):
    """A connection cut in the middle of a unit of work: it runs again on a new connection; the
    upsert leaves exactly one row per key."""
    from collecte.warehouse.db import connect, with_connection

    with connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE fault_probe (k int PRIMARY KEY, v text)")
    with FaultTcpProxy(postgres_server.port, rate=0.0) as proxy:
        url = pg_url.replace(f":{postgres_server.port}/", f":{proxy.port}/")
        runs: list[int] = []

        def work(conn):
            runs.append(1)
            for k in range(50):
                conn.execute("INSERT INTO fault_probe VALUES (%s, 'v') ON CONFLICT (k) DO UPDATE SET v = 'v'",
                             (k,))
                if k == 25 and len(runs) == 1:
                    proxy.drop_all()  # the network drops every connection mid-transaction
            return conn.execute("SELECT count(*) FROM fault_probe").fetchone()[0]

        assert with_connection(url, work) == 50
        assert len(runs) == 2 and proxy.counts["dropped"] >= 1

        proxy.set_rate(0.3)  # connections refused or cut at random: each unit of work still lands whole
        totals = [with_connection(url, lambda c: c.execute("SELECT count(*) FROM fault_probe").fetchone()[0])
                  for _ in range(20)]
    assert totals == [50] * 20


def test_non_connection_errors_are_not_retried(pg_url):
    import psycopg

    from collecte.warehouse.db import with_connection

    calls = []

    def bad(conn):
        calls.append(1)
        conn.execute("SELECT * FROM no_such_table")

    with pytest.raises(psycopg.errors.UndefinedTable):
        with_connection(pg_url, bad)
    assert calls == [1]


def test_s3_connection_extra_tunes_both_retry_layers(monkeypatch, s3_server):
    import json

    from collecte.storage.s3 import s3_client_from_connection
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY

    monkeypatch.setenv("AIRFLOW_CONN_S3_TUNED", json.dumps({
        "conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
        "extra": {"endpoint_url": s3_server.endpoint_url, "region_name": REGION,
                  "config_kwargs": {"read_timeout": 2, "retries": {"max_attempts": 2, "mode": "standard"}},
                  "retry_policy": {"attempts": 9, "backoff": 0.1}}}))
    client = s3_client_from_connection("s3_tuned")
    config = client.wrapped.meta.config
    assert (config.read_timeout, config.connect_timeout) == (2, 5.0)  # set / default kept
    assert config.retries["total_max_attempts"] == 3 and config.s3 == {"addressing_style": "path"}  # 2 retries
    assert (client.policy.attempts, client.policy.backoff) == (9, 0.1)
