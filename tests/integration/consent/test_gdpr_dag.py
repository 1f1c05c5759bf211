"""The gdpr_retention DAG run with dag.test(): purge past retention, expire mandates, remind signatories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collecte.consent.mailer import MaildirMailer
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(180)]


def test_gdpr_retention_dag_purges_and_reminds(airflow_home, tmp_path, monkeypatch):
    from collecte.consent.demo import seed_demo
    from collecte.landing.raw_zone import RawZone
    from tests.conftest import run_dag

    mailbox = tmp_path / "mailbox"
    monkeypatch.setenv("COLLECTE_SANDBOX_MAILBOX", str(mailbox))
    monkeypatch.setenv("COLLECTE_CONSENT_SECRET", "dag-test-secret")
    zone = RawZone(airflow_home.s3, airflow_home.bucket)
    today = datetime.now(UTC).date()
    old = "raw/source=volta/kind=invoice_pdf/account=V-1/received=2010-01-04/aa.pdf"
    recent = f"raw/source=volta/kind=invoice_pdf/account=V-1/received={today.isoformat()}/bb.pdf"
    old_curve = f"raw/source=enedis/kind=load_curve/account=30001234567890/received={today.year - 3}-01-02/cc.json"
    for key in (old, recent, old_curve):
        zone.client.put_object(Bucket=zone.bucket, Key=key, Body=b"x")
    with connect(airflow_home.pg_url) as conn:
        result = seed_demo(conn, zone, today=today, with_config=False)
        ending, ended = result["signed"][0], result["signed"][1]
        conn.execute("UPDATE mandate SET end_date = %s WHERE id = %s", (today + timedelta(days=12), ending))
        conn.execute("UPDATE mandate SET start_date = %s, end_date = %s WHERE id = %s",
                     (today - timedelta(days=400), today - timedelta(days=30), ended))
        conn.execute("INSERT INTO audit_log (at, actor, action, object_type, object_id)"
                     " VALUES ('2015-01-01', 'x', 'mandate.read', 'mandate', 'M-old')")

    from collecte.dags.gdpr import build_gdpr_retention

    dag_run = run_dag(build_gdpr_retention())
    assert dag_run.state == "success"
    keys = zone.keys("raw/")
    assert old not in keys and old_curve not in keys and recent in keys
    with connect(airflow_home.pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE object_id = 'M-old'").fetchone()[0] == 0
        statuses = dict(conn.execute("SELECT id, status FROM mandate"))
        assert statuses[ended] == "expired" and statuses[ending] == "signed"
    mails = MaildirMailer(mailbox).messages_to("claire.martin@demo-energie.example")
    assert len(mails) == 1 and "/collecte-consent/c/referent." in mails[0].get_content()
