"""Fixtures of the Enedis integration tests: the sandbox on a free port, a Data Connect client."""

from __future__ import annotations

from datetime import date

import pytest

TODAY = date(2026, 11, 20)


@pytest.fixture
def enedis(tmp_path):
    """A fresh Enedis sandbox (Data Connect + SGE) whose 'today' is fixed; M023 files go to tmp_path.

    The process-wide limiters start empty too: a test's 429 pause must not hold the next test.
    """
    from collecte.sources import ratelimit
    from sandbox.enedis import start_enedis

    ratelimit._SHARED.clear()  # noqa: SLF001 - a fresh process, as each Airflow task is

    sandbox = start_enedis(0, tmp_path / "m023", today=TODAY, m023_delay_seconds=0.3)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def dc_client(enedis):
    """A Data Connect client on the sandbox with short backoffs."""
    from collecte.sources.enedis.dataconnect import DataConnectClient
    from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET

    client = DataConnectClient(enedis.base_url, CLIENT_ID, CLIENT_SECRET, timeout=2.0, backoff_base=0.05,
                               max_backoff=0.5)
    yield client
    client.close()


@pytest.fixture
def fast_client(enedis):
    """A client and sandbox both allowing 10x the real rate: for tests about data, not about limits."""
    from collecte.sources.enedis.dataconnect import DataConnectClient
    from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET

    enedis.state.limits.calls_per_second = 50
    client = DataConnectClient(enedis.base_url, CLIENT_ID, CLIENT_SECRET, calls_per_second=40, timeout=5.0,
                               backoff_base=0.05, max_backoff=0.5)
    yield client
    client.close()
