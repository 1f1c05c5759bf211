"""Retention: cut-offs from the clock and the file only, classes derived from the catalogue and from
the keys the code writes, narrowing never widening, dry run, guard, bounds, audit, no audit-log purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from collecte.consent.retention import (
    Keep,
    Narrowing,
    RetentionPolicy,
    TableRule,
    classify,
    delete_objects,
    load_retention,
    object_day,
    plan_purge,
    purge_past_retention,
    purge_table,
)
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.timeout(120)]
TODAY = date(2026, 11, 2)


def test_cutoffs_and_object_days():
    assert Keep(years=10).cutoff(date(2026, 11, 2)) == date(2016, 11, 2)
    assert Keep(days=30).cutoff(date(2026, 3, 1)) == date(2026, 1, 30)
    assert Keep(years=1).cutoff(date(2028, 2, 29)) == date(2027, 2, 28)
    assert object_day("raw/source=a/kind=b/account=c/received=2020-05-06/x.pdf", None) == date(2020, 5, 6)
    assert object_day("debug/x.png", datetime(2026, 1, 2, 23, 30, tzinfo=UTC)) == date(2026, 1, 2)
    policy = load_retention()
    assert policy.classes["invoices"].keep.years == 10
    assert policy.classes["load_curve"].keep.years < policy.classes["daily"].keep.years


def test_every_catalogue_dataset_has_a_class_and_the_audit_log_is_never_a_target():
    from collecte.quality.datasets import DATASETS

    policy = load_retention()
    assert set(policy.dataset_class()) == set(DATASETS)
    tables = {rule.table for c in policy.classes.values() for rule in c.table_rules()}
    assert "audit_log" not in tables and {"load_curve", "invoice", "gas_consumption"} <= tables
    from collecte.config.loader import config_dir

    raw = yaml.safe_load((config_dir() / "retention.yaml").read_text(encoding="utf-8"))
    raw["classes"]["audit"] = {"keep": {"years": 5}, "tables": [{"table": "audit_log", "column": "at"}]}
    with pytest.raises(ValueError, match="audit_log is never purged"):
        RetentionPolicy.model_validate(raw)
    raw["classes"].pop("audit")
    raw["classes"]["load_curve"]["datasets"]["no_such_dataset"] = "day"
    with pytest.raises(ValueError, match="unknown dataset 'no_such_dataset'"):
        RetentionPolicy.model_validate(raw)
    with pytest.raises(ValueError, match="never purged"):
        purge_table(None, TableRule(table="audit_log", column="at"), TODAY)


def _written_keys(zone) -> dict[str, str]:
    """One object per key layout the code writes, landed through the code's own functions -> its class."""
    from collecte.landing.raw_zone import RawZone
    from collecte.metering import gas, staging
    from collecte.metering.records import RESOURCES
    from collecte.quality.quarantine import quarantine_base
    from collecte.quality.staged_check import checked_key
    from collecte.sources.enedis.collect import RawZoneSink
    from collecte.sources.enedis.dataconnect import CONTRACT_RESOURCES
    from collecte.sources.grdf.resources import RESOURCES as ADICT
    from collecte.stages.invoices import staged_key as invoice_staged_key

    assert isinstance(zone, RawZone)
    day = date(2014, 1, 6)
    enedis = RawZoneSink(zone, day)

    def land_enedis(body: bytes, resource: str, prm: str, first: date | None, end: date | None) -> dict:
        return enedis.keep(body, resource, prm, first, end)

    written: dict[str, str] = {}
    for resource, (dataset, _) in RESOURCES.items():
        ref = land_enedis(resource.encode(), resource, "30001234567890", day, day)
        written[ref["key"]] = {"load_curve": "load_curve", "daily_energy": "daily", "meter_index": "daily",
                               "max_power": "max_power"}[dataset.table]
    for resource in CONTRACT_RESOURCES:
        written[land_enedis(resource.encode(), resource, "30001234567890", None, None)["key"]] = "contracts"
    for res in ADICT.values():
        landed = zone.land(res.raw_kind.encode(), source="grdf", kind=res.raw_kind, account="GI000123",
                           received=day, ext="ndjson", original_name="x.ndjson", origin="test")
        written[landed.key] = "consumption" if res.max_span_days else "contracts"
        if res.max_span_days:
            written[zone.put(gas.staged_key(landed.key), b"p")] = "consumption"
    m023 = zone.land(b"m023", source="enedis", kind="m023_curve", account="30001234567890", received=day,
                     ext="csv", original_name="m.csv", origin="test")
    written[m023.key] = "load_curve"
    pdf = zone.land(b"%PDF", source="volta", kind="invoice_pdf", account="V-1", received=day, ext="pdf",
                    original_name="f.pdf", origin="test")
    written[pdf.key] = "invoices"
    written[zone.put(invoice_staged_key(pdf.key, ".json"), b"{}")] = "invoices"
    written[zone.put(invoice_staged_key(pdf.key, ".annotated.pdf"), b"%PDF")] = "invoices"
    csv = zone.land(b"a;b", source="nordis", kind="consumption_csv", account="N-1", received=day, ext="csv",
                    original_name="c.csv", origin="test")
    written[csv.key] = "consumption"
    for table, name in (("load_curve", "load_curve"), ("daily_energy", "daily"), ("max_power", "max_power"),
                        ("meter_index", "daily"), ("meter_contract", "contracts")):
        key = zone.put(staging.staged_key("enedis", table, "b" * 24), b"p")
        written[key] = name
        written[zone.put(checked_key(key), b"p")] = name
    written[zone.put(quarantine_base(csv.key, "supplier_consumption") + "v1.parquet", b"q")] = "quarantine"
    written[zone.put("staged/validation/dataset=load_curve/day=2014-01-06/v1.json", b"{}")] = "validation"
    written[zone.put(f"debug/source=volta/account=V-1/{day:%Y%m%d}T000000Z-SITE_DOWN.png", b"png")] = "debug"
    return written


@pytest.mark.services
def test_keys_the_code_writes_are_classed_and_purged(pg_url, raw_zone):
    written = _written_keys(raw_zone)
    policy = load_retention()
    for key, name in written.items():
        assert classify(key, policy) == name, key
    with connect(pg_url) as conn:
        plan = plan_purge(conn, raw_zone, policy, date(2040, 1, 1))
    doomed = {key for p in plan.classes.values() for _, key in p.doomed_keys}
    assert doomed == set(written) and plan.unclassified == {}
    with connect(pg_url) as conn:  # the same objects are all kept while within retention
        plan = plan_purge(conn, raw_zone, policy, date(2014, 2, 1))
    assert not any(p.doomed_keys for name, p in plan.classes.items() if name not in ("debug",))


def _seed(zone, conn, policy_today: date, old: int, recent: int, kind: str = "courbe_de_charge_consommation"):
    keys = []
    for i in range(old + recent):
        day = policy_today - timedelta(days=(3 * 366 + i) if i < old else i)
        key = f"raw/source=enedis/kind={kind}/account=3000123456{i:04d}/received={day.isoformat()}/{i:064x}.json"
        zone.client.put_object(Bucket=zone.bucket, Key=key, Body=b"x")
        keys.append(key)
    return keys


@pytest.mark.services
def test_narrowing_never_widens_dry_run_deletes_nothing_and_both_are_audited(pg_url, raw_zone, caplog):
    policy = load_retention()
    with connect(pg_url) as conn:
        keys = _seed(raw_zone, conn, TODAY, old=3, recent=4)
        unknown = "raw/source=acme/kind=mystery/account=A/received=2001-01-01/x.bin"
        raw_zone.client.put_object(Bucket=raw_zone.bucket, Key=unknown, Body=b"x")
        conn.execute("INSERT INTO load_curve (meter_id, interval_end, direction, interval_minutes, power_w, energy_wh,"
                     " source, raw_key) VALUES ('30001234567890', '2020-01-01T00:00Z', 'CONS', 30, 1, 0.5, 'enedis', 'r'),"
                     " ('30001234567890', %s, 'CONS', 30, 1, 0.5, 'enedis', 'r')", (datetime.now(UTC),))
        conn.execute("INSERT INTO audit_log (at, actor, action, object_type, object_id)"  # append-only: born old
                     " VALUES ('2001-01-01', 'a', 'mandate.read', 'mandate', 'M-old')")
        # a date far in the future can only narrow: the cut-off stays the clock's
        wide = Narrowing(older_than=date(2099, 1, 1), dry_run=True)
        caplog.set_level("INFO", logger="collecte.consent.retention")
        report = purge_past_retention(conn, raw_zone, policy, TODAY, wide)
        assert report.plan.classes["load_curve"].cutoff == date(2024, 11, 2)
        assert sorted(report.object_keys) == sorted(keys[:3])
        assert report.plan.unclassified == {"raw/source=acme/kind=mystery/": 1}
        assert all(f"would delete {k}" in caplog.text for k in keys[:3])
        assert conn.execute("SELECT count(*) FROM load_curve").fetchone()[0] == 2  # dry run: nothing
        from collecte.landing.subject_index import record_subjects

        for key in keys:
            record_subjects(conn, key, [("enedis", key.split("account=")[1][:14])])
        narrow = Narrowing(classes=frozenset({"load_curve"}), older_than=date(2023, 10, 31))
        report = purge_past_retention(conn, raw_zone, policy, TODAY, narrow)
        assert report.rows == {"load_curve": 1, "subject_object": 2}
        indexed = {r[0] for r in conn.execute("SELECT object_key FROM subject_object")}
        assert indexed == set(keys) - set(report.object_keys)
        assert sorted(report.object_keys) == sorted(k for k in keys[:3] if k.split("received=")[1][:10] < "2023-10-31")
        assert len(report.object_keys) == 2
        conn.commit()
        delete_objects(raw_zone, report.object_keys)
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
        assert actions == ["mandate.read", "retention.dry_run", "retention.purge"]  # the old row stays
    left = set(raw_zone.keys("raw/"))
    assert set(keys[3:]) <= left and unknown in left
    with pytest.raises(ValueError, match="unknown retention class"):
        Narrowing.from_params({"classes": ["audit"]}, policy)
    assert Narrowing.from_params({"from": "2099-01-01", "to": "2099-01-01"}, policy) == Narrowing()


@pytest.mark.services
def test_guard_refuses_a_purge_above_its_share_and_runs_are_bounded(pg_url, raw_zone):
    raw = load_retention().model_dump()
    raw["guard"] = {"max_share": 0.5, "min_count": 5, "max_deletions_per_run": 4}
    policy = RetentionPolicy.model_validate(raw)
    with connect(pg_url) as conn:
        curve = _seed(raw_zone, conn, TODAY, old=8, recent=2)
        daily = _seed(raw_zone, conn, TODAY - timedelta(days=3 * 366), old=6, recent=10,
                      kind="consommation_quotidienne")
        report = purge_past_retention(conn, raw_zone, policy, TODAY)
        assert "load_curve" in report.refused and "80%" in report.refused["load_curve"]
        assert not set(curve) & set(report.object_keys)
        assert len([k for k in report.object_keys if "quotidienne" in k]) == 4
        assert report.left_for_next_run == {"daily": 2}
    assert {k for k in daily if k not in report.object_keys} <= set(raw_zone.keys("raw/"))
