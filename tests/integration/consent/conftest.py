"""Fixtures of the consent tests: a seeded demo organization, a sandbox mailbox, an Airflow home."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest

TODAY = date(2026, 11, 2)


@pytest.fixture
def mailbox_dir(tmp_path: Path) -> Path:
    """The sandbox mailbox (a Maildir)."""
    return tmp_path / "mailbox"


@pytest.fixture
def seeded(pg_url, raw_zone):
    """(pg_url, raw_zone, seed result): the demo organization with its signed mandates."""
    from collecte.consent.demo import seed_demo
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        result = seed_demo(conn, raw_zone, today=TODAY, with_config=False)
    return pg_url, raw_zone, result


@pytest.fixture(scope="session")
def consent_airflow_home(request):
    """An initialised Airflow metadata DB: the lead's `airflow_home` fixture when present, else our own."""
    try:
        return request.getfixturevalue("airflow_home")
    except pytest.FixtureLookupError:
        pass
    home = Path(tempfile.mkdtemp(prefix="collecte-consent-airflow-"))
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.utils.db import initdb

    initdb()
    return home
