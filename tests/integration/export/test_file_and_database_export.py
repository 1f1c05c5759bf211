"""CSV accounting entries to the real sshd outbox, and invoice versions to another database."""

from __future__ import annotations

import csv
import io

import pytest

from collecte.export.config import ExportConfig
from collecte.export.runner import run_exports
from tests.unit.quality.builders import invoice

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _csv_config(remote_dir: str) -> ExportConfig:
    return ExportConfig.model_validate({
        "organization": "mairie-test",
        "exporters": [{
            "name": "compta", "type": "csv_sftp", "conn_id": "collecte_sftp", "remote_dir": remote_dir,
            "granularity": "line", "file_name": "ecritures_{organization}_{batch}.csv",
            "columns": [
                {"header": "Journal", "value": "ACH"},
                {"header": "Date", "field": "invoice.invoice_date", "date_format": "%d/%m/%Y"},
                {"header": "Pièce", "field": "invoice.invoice_number"},
                {"header": "Version", "field": "delivery.version"},
                {"header": "PRM", "field": "site.meter_id"},
                {"header": "Centre de coût", "field": "site.meter_id", "lookup": "cost_centres",
                 "default": "CC-DIVERS"},
                {"header": "Nature", "field": "line.category"},
                {"header": "Montant HT", "field": "line.amount_excl_tax"},
            ],
            "lookups": {"cost_centres": {"30001234567890": "CC-ECOLES"}},
        }],
    })


def _files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_csv_entries_land_in_the_outbox_once_and_corrections_as_new_files(warehouse, connectors, sftp_root):
    config = _csv_config(f"{sftp_root.name}/outbox/compta")
    docs = [invoice("FV-1"), invoice("FV-2", meter="30001234567891")]
    report = run_exports(warehouse, config, docs, connectors)
    assert report.ok and report.exporters[0].delivered == 2
    (first,) = _files(sftp_root)
    rows = list(csv.reader(io.StringIO(first.read_text(encoding="utf-8")), delimiter=";"))
    assert rows[0] == ["Journal", "Date", "Pièce", "Version", "PRM", "Centre de coût", "Nature", "Montant HT"]
    assert len(rows) == 1 + 8
    assert rows[2] == ["ACH", "05/04/2026", "FV-1", "1", "30001234567890", "CC-ECOLES", "energy", "110,25"]
    assert {r[5] for r in rows[1:]} == {"CC-ECOLES", "CC-DIVERS"}
    assert not list(sftp_root.rglob("*.part"))

    run_exports(warehouse, config, docs, connectors)
    assert _files(sftp_root) == [first]  # a rerun writes nothing

    run_exports(warehouse, config, [invoice("FV-1", hp=700), docs[1]], connectors)
    files = _files(sftp_root)
    assert len(files) == 2
    (second,) = [f for f in files if f != first]
    rows = list(csv.reader(io.StringIO(second.read_text(encoding="utf-8")), delimiter=";"))
    assert {(r[2], r[3]) for r in rows[1:]} == {("FV-1", "2")}


def test_file_written_before_a_crash_is_not_written_again(warehouse, connectors, sftp_root):
    from collecte.export import ledger
    from collecte.export.csv_file import csv_bytes, file_name
    from collecte.export.sftp_outbox import put_atomic

    config = _csv_config(f"{sftp_root.name}/out")
    exporter = config.exporters[0]
    deliveries = ledger.plan(warehouse, "mairie-test/compta", [invoice("FV-9")])
    name = file_name(exporter, "mairie-test", deliveries)
    ledger.set_target(warehouse, deliveries, f"{exporter.remote_dir}/{name}")
    with connectors.sftp_session("x") as sftp:  # the file lands, then the worker dies
        put_atomic(sftp, exporter.remote_dir, name, csv_bytes(exporter, deliveries))
    report = run_exports(warehouse, config, [invoice("FV-9")], connectors)
    assert report.exporters[0].replayed == 1 and len(_files(sftp_root)) == 1


def test_unknown_host_key_is_refused(sshd_server, tmp_path):
    import subprocess

    import paramiko

    from collecte.export.sftp_outbox import paramiko_sftp

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")], check=True)
    wrong = " ".join((tmp_path / "k.pub").read_text().split()[:2])
    with pytest.raises(paramiko.BadHostKeyException), paramiko_sftp(
            "127.0.0.1", sshd_server.port, sshd_server.username, str(sshd_server.client_key_file), wrong):
        pass


def test_database_export_writes_each_version_once(warehouse, connectors, other_db_url):
    import sqlalchemy as sa

    config = ExportConfig.model_validate({
        "organization": "mairie-test",
        "exporters": [{"name": "dwh", "type": "database", "conn_id": "partner_db", "table_prefix": "energie_"}],
    })
    run_exports(warehouse, config, [invoice("FV-1"), invoice("FV-2")], connectors)
    run_exports(warehouse, config, [invoice("FV-1"), invoice("FV-2")], connectors)
    report = run_exports(warehouse, config, [invoice("FV-2", hc=500)], connectors)
    assert report.ok and report.exporters[0].delivered == 1
    engine = sa.create_engine(other_db_url)
    with engine.connect() as db:
        rows = db.execute(sa.text("SELECT invoice_number, version, total_excl_tax FROM energie_invoice"
                                  " ORDER BY invoice_number, version")).all()
        sites = db.execute(sa.text("SELECT count(*) FROM energie_invoice_site")).scalar()
    engine.dispose()
    assert [(r[0], r[1]) for r in rows] == [("FV-1", 1), ("FV-2", 1), ("FV-2", 2)]
    assert rows[2][2] > rows[1][2] and sites == 3


def test_export_reads_checked_invoices_from_the_warehouse(warehouse, connectors, other_db_url):
    from collecte.export.from_warehouse import invoices_from_warehouse
    from collecte.export.versions import content_sha256
    from collecte.quality.invoice_frames import invoice_frames
    from collecte.quality.loading import upsert_frame

    docs = [invoice("FV-1"), invoice("FV-2", credit=True), invoice("FV-3")]
    docs[2]["status"] = "needs_review"
    frames = invoice_frames(docs, raw_keys=["raw/source=volta/a.pdf"] * 3)
    for name, frame in frames.items():
        upsert_frame(warehouse, name, frame)
    rebuilt = invoices_from_warehouse(warehouse, "volta")
    assert [d["invoice_number"] for d in rebuilt] == ["AV-FV-2", "FV-1"]  # FV-3 awaits review
    original = {k: v for k, v in docs[0].items() if k != "status"} | {"sites": docs[0]["sites"]}
    assert content_sha256(rebuilt[1]) == content_sha256(original)  # the same version as the extraction
