"""Retention: cut-off dates, S3 prefix purge on the S3 API server, table purge tolerating absent tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from collecte.consent.audit import audit
from collecte.consent.retention import Keep, TableRule, load_retention, object_day, purge_s3, purge_table
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.timeout(60)]


def test_cutoffs_and_object_days():
    assert Keep(years=10).cutoff(date(2026, 11, 2)) == date(2016, 11, 2)
    assert Keep(days=30).cutoff(date(2026, 3, 1)) == date(2026, 1, 30)
    assert Keep(years=1).cutoff(date(2028, 2, 29)) == date(2027, 2, 28)
    assert object_day("raw/source=a/kind=b/account=c/received=2020-05-06/x.pdf", None) == date(2020, 5, 6)
    assert object_day("debug/x.png", datetime(2026, 1, 2, 23, 30, tzinfo=UTC)) == date(2026, 1, 2)
    policy = load_retention()
    assert policy.kinds["invoices"].keep.years == 10
    assert policy.kinds["load_curve"].keep.years < policy.kinds["daily"].keep.years


@pytest.mark.services
def test_purge_s3_deletes_only_matching_old_objects(s3):
    client, bucket = s3
    keys = ["raw/source=volta/kind=invoice_pdf/account=A/received=2014-01-01/1.pdf",
            "raw/source=volta/kind=invoice_pdf/account=A/received=2025-01-01/2.pdf",
            "raw/source=volta/kind=consumption_csv/account=A/received=2014-01-01/3.csv"]
    for key in keys:
        client.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert purge_s3(client, bucket, "raw/source=*/kind=invoice_pdf/", date(2016, 11, 2)) == 1
    left = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert left == sorted(keys[1:])


@pytest.mark.services
def test_purge_table_skips_absent_tables_and_deletes_old_rows(pg_url):
    with connect(pg_url) as conn:
        assert purge_table(conn, TableRule(table="no_such_table", column="day"), date(2020, 1, 1)) is None
        assert purge_table(conn, TableRule(table="audit_log", column="no_such_column"), date(2020, 1, 1)) is None
        audit(conn, actor="a", action="x", object_type="mandate", object_id="M")
        conn.execute("UPDATE audit_log SET at = '2010-01-01'")
        audit(conn, actor="a", action="y", object_type="mandate", object_id="M")
        assert purge_table(conn, TableRule(table="audit_log", column="at"), date(2020, 1, 1)) == 1
        assert conn.execute("SELECT action FROM audit_log").fetchall() == [("y",)]
        with pytest.raises(ValueError, match="secrets"):
            audit(conn, actor="a", action="x", object_type="credentials", object_id="c", password="p")
