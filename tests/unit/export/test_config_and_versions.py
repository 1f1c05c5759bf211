"""Export configuration, invoice versions, CSV mapping, and the SQLAlchemy target on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from collecte.export.config import ExportConfig, ExportConfigError, load_export, load_exports
from collecte.export.ledger import Delivery
from collecte.export.versions import content_sha256, idempotency_key
from tests.unit.quality.builders import invoice

pytestmark = pytest.mark.timeout(60)
REPO = Path(__file__).resolve().parents[3]


def test_shipped_export_configs_validate():
    configs = load_exports(REPO / "include/config/exports")
    assert configs and all(c.exporters for c in configs)


def test_bad_config_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("organization: x\nexporters:\n  - {name: c, type: csv_sftp, conn_id: s, remote_dir: o,"
                    " columns: [{header: H, field: site.meter_id, lookup: missing}]}\n")
    with pytest.raises(ExportConfigError, match=r"bad.yaml: exporters.0.csv_sftp.*lookup 'missing'"):
        load_export(path)
    path.write_text("organization: x\nexporters: [{name: r, type: ftp, conn_id: c}]\n")
    with pytest.raises(ExportConfigError, match="bad.yaml: exporters.0"):
        load_export(path)


def test_version_ignores_processing_metadata_but_not_content():
    doc = invoice()
    assert content_sha256(doc) == content_sha256({**doc, "raw_key": "raw/x", "status": "loaded"})
    assert content_sha256(doc) != content_sha256(invoice(hp=601))
    assert idempotency_key("org/erp", "volta", "FV-1", 2, "ab" * 32) == "org/erp/volta/FV-1/v2-abababababababab"


def _delivery(doc, version=1):
    sha = content_sha256(doc)
    return Delivery("org/x", doc["supplier"], doc["invoice_number"], sha, version,
                    idempotency_key("org/x", doc["supplier"], doc["invoice_number"], version, sha), None, doc)


def test_csv_mapping_per_site_with_lookup_and_formats():
    from collecte.export.csv_file import csv_bytes, csv_rows, file_name

    config = ExportConfig.model_validate({"organization": "org", "exporters": [{
        "name": "x", "type": "csv_sftp", "conn_id": "s", "remote_dir": "o", "granularity": "site",
        "columns": [{"header": "Fin", "field": "site.period_end", "date_format": "%d/%m/%Y"},
                    {"header": "CC", "field": "site.meter_id", "lookup": "cc", "default": "?"},
                    {"header": "HT", "field": "site.total_excl_tax"}, {"header": "Const", "value": "606"}],
        "lookups": {"cc": {"30001234567890": "CC1"}}}]}).exporters[0]
    deliveries = [_delivery(invoice("A")), _delivery(invoice("B", meter="30001234567899"))]
    rows = csv_rows(config, deliveries)
    assert rows == [["Fin", "CC", "HT", "Const"], ["31/03/2026", "CC1", "186,91", "606"],
                    ["31/03/2026", "?", "186,91", "606"]]
    assert csv_bytes(config, deliveries).count(b"\r\n") == 3
    assert file_name(config, "org", deliveries) == file_name(config, "org", deliveries[::-1])


def test_database_target_on_sqlite_inserts_each_version_once(tmp_path):
    import sqlalchemy as sa

    from collecte.export.database import write_versions

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'target.db'}")
    deliveries = [_delivery(invoice("A")), _delivery(invoice("A", hp=700), version=2)]
    write_versions(engine, deliveries)
    refs = write_versions(engine, deliveries)
    assert set(refs) == {d.idempotency_key for d in deliveries}
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*), max(version) FROM collecte_invoice")).one() == (2, 2)
    engine.dispose()
