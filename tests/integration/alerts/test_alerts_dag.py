"""Alerts end to end: incidents from the warehouse, delivered by Airflow's SMTP notifier to a real SMTP
server (the sandbox Maildir) and by the webhook notifier; one message per incident across runs and
retries, closed incidents, a digest once a day."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collecte.warehouse.db import connect
from sandbox.services.common import free_port
from sandbox.services.smtp import SmtpServer

pytestmark = [pytest.mark.services, pytest.mark.airflow]


class Webhook:
    """A local webhook receiver that records JSON posts; `fail` makes it answer 500."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.fail = False
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if owner.fail:
                    self.send_response(500)
                else:
                    owner.posts.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def alerting(airflow_db, postgres_server, pg_url, tmp_path, monkeypatch):
    """Warehouse, SMTP and webhook connections; an alerts.yaml with both channels and the digest due."""
    from collecte.alerts.config import _load

    smtp = SmtpServer(free_port(), tmp_path / "Maildir").start()
    hook = Webhook()
    config = tmp_path / "config"
    config.mkdir()
    (config / "alerts.yaml").write_text(
        "channels: {smtp_conn_id: collecte_smtp, webhook_conn_id: collecte_webhook}\n"
        "recipients: [energie@collecte.local]\norganization_recipients: {o1: [referent@ville.example]}\n"
        "digest_hour: 0\n")
    monkeypatch.setenv("COLLECTE_CONFIG_DIR", str(config))
    monkeypatch.setenv("COLLECTE_RETRY_DELAY_SECONDS", "1")
    _load.cache_clear()
    connections = {
        "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": "127.0.0.1", "port": postgres_server.port,
                               "login": "postgres", "schema": pg_url.rsplit("/", 1)[1]},
        "COLLECTE_SMTP": {"conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
                          "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "alerts@collecte.local"}},
        "COLLECTE_WEBHOOK": {"conn_type": "http", "host": hook.url},
    }
    for name, value in connections.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(value))
    with connect(pg_url, autocommit=True) as conn:
        _seed(conn)
    yield smtp, hook, pg_url
    smtp.stop()
    hook.server.shutdown()
    _load.cache_clear()


def _seed(conn) -> None:
    today = date.today()
    conn.execute("INSERT INTO organization (id, name) VALUES ('o1', 'Ville')")
    conn.execute("INSERT INTO entity (id, organization_id, name) VALUES ('e1', 'o1', 'Mairie')")
    conn.execute("INSERT INTO site (id, entity_id, name) VALUES ('s1', 'e1', 'École')")
    conn.execute("INSERT INTO meter (id, site_id, operator, energy, point_kind) "
                 "VALUES ('12345678901234', 's1', 'enedis', 'electricity', 'PRM')")
    conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id) VALUES ('volta', 'ACC1', 'e1')")
    conn.execute("INSERT INTO account_status (source, account_id, status, message) "
                 "VALUES ('volta', 'ACC1', 'LOGIN_FAILED', 'identifiants refusés')")
    conn.execute("INSERT INTO meter_status (operator, meter_id, data_kind, status, message) "
                 "VALUES ('enedis', '12345678901234', 'load_curve', 'API_NOT_SUBSCRIBED', '900908')")
    conn.execute("INSERT INTO meter_status (operator, meter_id, data_kind, status) "
                 "VALUES ('enedis', '12345678901234', 'daily', 'OK')")
    conn.execute("INSERT INTO quarantine_record (raw_key, record_ref, dataset, reason) VALUES "
                 "('raw/source=volta/kind=consumption_csv/account=ACC1/received=2026-11-02/a.csv', '12', "
                 "'supplier_consumption', 'kwh < 0')")
    conn.execute("INSERT INTO file_status (source, file_name, kind, remote_path, sequence_number, status) "
                 "VALUES ('nordis', 'NORDIS_ACC_000042.pdf', 'invoice_pdf', 'nordis/outgoing', 42, 'missing')")
    conn.execute("INSERT INTO mandate (id, entity_id, person_type, company_name, data_kinds, start_date, end_date, "
                 "status, signed_at, text_sha256) VALUES ('m1', 'e1', 'legal', 'Ville', '{consumption}', %s, %s, "
                 "'signed', now(), 'x')", (today - timedelta(days=700), today + timedelta(days=10)))
    conn.execute("INSERT INTO export_delivery (exporter, supplier, invoice_number, content_sha256, version, "
                 "idempotency_key, status, last_error) VALUES ('o1/erp', 'volta', 'F1', 'h', 1, 'k1', 'failed', "
                 "'422 TVA incohérente')")


def _run():
    from collecte.dags.alerts import build_alerts

    return build_alerts().test(logical_date=datetime.now(UTC))


def test_one_message_per_incident_across_runs_and_retries(alerting) -> None:
    smtp, hook, pg_url = alerting
    hook.fail = True          # the webhook is down at first: e-mails go, webhook alerts wait
    first = _run()
    assert first.state == "failed"
    mails = smtp.messages()
    alerts = [m for m in mails if "Bilan" not in m["Subject"]]
    assert len(alerts) == 6, [m["Subject"] for m in mails]
    subjects = " | ".join(m["Subject"] for m in alerts)
    for expected in ("volta ACC1 : LOGIN_FAILED", "API_NOT_SUBSCRIBED", "Quarantaine", "numéro 42", "Mandat m1",
                     "Export o1/erp refusé"):
        assert expected in subjects
    locked = next(m for m in alerts if "LOGIN_FAILED" in m["Subject"])
    assert "referent@ville.example" in locked["To"] and "mot de passe" in locked.get_body().get_content()
    assert hook.posts == []

    hook.fail = False         # the retry/next run sends only what is missing: webhook posts, no e-mail twice
    second = _run()
    assert second.state == "success"
    assert len([m for m in smtp.messages() if "Bilan" not in m["Subject"]]) == 6
    assert sorted(p["kind"] for p in hook.posts if p["kind"] != "digest") == sorted(
        ["account_problem", "meter_problem", "quarantine", "missing_file", "mandate_expiring", "export_refused"])
    digests = [m for m in smtp.messages() if "Bilan" in m["Subject"]]
    assert len(digests) == 1 and "6 incident(s)" in digests[0]["Subject"]

    third = _run()            # nothing new: nothing sent
    assert third.state == "success"
    assert len(smtp.messages()) == 7 and len(hook.posts) == 7

    with connect(pg_url, autocommit=True) as conn:   # fixed, then broken again: a new incident, one new alert
        conn.execute("UPDATE account_status SET status = 'OK' WHERE account_id = 'ACC1'")
    _run()
    with connect(pg_url, autocommit=True) as conn:
        closed = conn.execute("SELECT count(*) FROM incident WHERE closed_at IS NOT NULL").fetchone()[0]
        assert closed == 1
        conn.execute("UPDATE account_status SET status = 'ACCOUNT_LOCKED' WHERE account_id = 'ACC1'")
    _run()
    alerts = [m for m in smtp.messages() if "Bilan" not in m["Subject"]]
    assert len(alerts) == 7 and "ACCOUNT_LOCKED" in alerts[-1]["Subject"]


def test_failed_run_callback_records_one_incident(alerting, monkeypatch) -> None:
    from types import SimpleNamespace

    from collecte.airflow.callbacks import on_run_failure, on_run_success

    _, _, pg_url = alerting
    context = {"dag_run": SimpleNamespace(dag_id="collect_volta", run_id="scheduled__2026-11-29"),
               "reason": "task_failure"}
    on_run_failure(context)
    on_run_failure(context)   # called again (e.g. a second failing path): still one incident
    with connect(pg_url, autocommit=True) as conn:
        rows = conn.execute("SELECT subject, closed_at FROM incident WHERE kind = 'run_failed'").fetchall()
        assert rows == [("collect_volta/scheduled__2026-11-29", None)]
    on_run_success({"dag_run": SimpleNamespace(dag_id="collect_volta", run_id="scheduled__2026-11-30")})
    with connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT closed_at IS NOT NULL FROM incident WHERE kind = 'run_failed'").fetchone()[0]
