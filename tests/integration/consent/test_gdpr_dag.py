"""The gdpr_retention DAG run with dag.test(): purge past retention, expire mandates, remind signatories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collecte.consent.mailer import MaildirMailer
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(180)]


@pytest.mark.parametrize("conf", [None, {"from": "2099-01-01", "to": "2099-01-01"}], ids=["scheduled", "conf-2099"])
def test_gdpr_retention_dag_purges_and_reminds(airflow_home, tmp_path, monkeypatch, conf):
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
    old_curve = (f"raw/source=enedis/kind=courbe_de_charge_consommation/account=30001234567890/"
                 f"received={today.year - 3}-01-02/cc.json")
    year_old_curve = old_curve.replace(f"received={today.year - 3}-01-02",
                                       f"received={(today - timedelta(days=365)).isoformat()}")
    recent_debug = f"debug/source=volta/account=V-1/{(today - timedelta(days=5)):%Y%m%d}T000000Z-SITE_DOWN.png"
    for key in (old, recent, old_curve, year_old_curve, recent_debug):
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

    dag_run = run_dag(build_gdpr_retention(), run_conf=conf)
    assert dag_run.state == "success"
    # the cut-offs come from the clock: a run given 2099 deletes exactly what today's run deletes
    keys = zone.keys("")
    assert old not in keys and old_curve not in keys
    assert {recent, year_old_curve, recent_debug} <= set(keys)
    with connect(airflow_home.pg_url) as conn:
        # retention never deletes the audit log; it adds its own row
        assert conn.execute("SELECT count(*) FROM audit_log WHERE object_id = 'M-old'").fetchone()[0] == 1
        purge = conn.execute("SELECT detail FROM audit_log WHERE action = 'retention.purge'").fetchone()[0]
        assert purge["today"] == today.isoformat() and purge["objects_deleted"] == 2
        statuses = dict(conn.execute("SELECT id, status FROM mandate"))
        assert statuses[ended] == "expired" and statuses[ending] == "signed"
        assert list(statuses.values()).count("expired") == 1
    mails = MaildirMailer(mailbox).messages_to("claire.martin@demo-energie.example")
    assert len(mails) == 1
    import hashlib
    import re

    token = re.search(r"/collecte-consent/c/(\S+)", mails[0].get_content()).group(1)
    with connect(airflow_home.pg_url) as conn:  # a live personal link of the referent, stored as a digest
        assert conn.execute("SELECT contact_id FROM contact_link WHERE token_sha256 = %s AND used_at IS NULL",
                            (hashlib.sha256(token.encode()).hexdigest(),)).fetchone() == ("referent",)
