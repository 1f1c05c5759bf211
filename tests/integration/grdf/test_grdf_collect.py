"""collect_pce against the ADICT sandbox, the raw zone on the S3 API server and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collecte.sources.grdf import collect_pce

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]

T2, T1, T3, REVOKED, PENDING = "21100000000001", "21100000000002", "GI000123", "21100000000003", "21100000000004"
ALL_KINDS = ["consumption", "daily", "contract", "technical"]


def _raw_keys(raw_zone) -> list[str]:
    return raw_zone.keys("raw/")


def test_normal_pce_lands_checks_stages_and_loads(adict, client, raw_zone, conn):
    today = adict.state.today()
    start, end = today - timedelta(days=40), today
    summary = collect_pce(client, T2, start, end, ALL_KINDS, raw_zone, conn, today=today)
    assert summary.status == "OK", summary
    daily = conn.execute("SELECT count(*), min(period_start), max(period_end) FROM gas_consumption"
                         " WHERE pce = %s AND kind = 'informative'", (T2,)).fetchone()
    assert daily == (40, start, end)
    published = conn.execute("SELECT count(*) FROM gas_consumption WHERE pce = %s AND kind = 'published'",
                             (T2,)).fetchone()[0]
    assert published >= 1
    print(summary.as_dict())
