"""What a run owes, as it is told: day runs, replay Params grouped by meters, the red message."""

from __future__ import annotations

from datetime import date

from collecte.metering.completeness import Completeness, Owed
from collecte.metering.ledger import KindCoverage, day_runs, days_of


def test_day_runs_join_consecutive_days_only():
    days = [date(2026, 3, d) for d in (30, 28, 29, 2, 31)] + [date(2026, 4, 1), date(2026, 4, 3)]
    assert day_runs(days) == [(date(2026, 3, 2), date(2026, 3, 2)), (date(2026, 3, 28), date(2026, 4, 1)),
                              (date(2026, 4, 3), date(2026, 4, 3))]
    assert day_runs([]) == []


def test_a_kind_is_covered_where_every_resource_answered_or_once_done():
    window = (date(2026, 1, 1), date(2026, 1, 4))
    held = KindCoverage(days={"cons": set(days_of(date(2026, 1, 1), date(2026, 1, 3))),
                              "prod": {date(2026, 1, 2), date(2026, 1, 4)}})
    assert held.covered(["cons", "prod"], window) == {date(2026, 1, 2)}
    assert held.covered(["cons"], window) == set(days_of(date(2026, 1, 1), date(2026, 1, 3)))
    assert KindCoverage(done=True).covered(["cons"], window) == set(days_of(*window))


def test_replay_params_group_meters_owing_the_same_kinds_and_span():
    report = Completeness("enedis", owed=[
        Owed("30001234567890", "load_curve", [("2026-11-01", "2026-11-03")], "ERROR: HTTP 503"),
        Owed("30001234567890", "daily", [("2026-11-02", "2026-11-02")], "ERROR: HTTP 503"),
        Owed("30001234567891", "daily", [("2026-11-01", "2026-11-03")], "not collected"),
        Owed("30001234567891", "load_curve", [("2026-11-01", "2026-11-01"), ("2026-11-03", "2026-11-03")], "x"),
    ], pending=[{"meter_id": "30001234567892", "kind": "index", "first_day": "2026-11-05",
                 "last_day": "2026-11-05", "raw_key": "raw/k"}])
    assert not report.complete
    assert report.replay_params() == [
        {"operator": "enedis", "meters": ["30001234567890", "30001234567891"], "from": "2026-11-01",
         "to": "2026-11-03", "kinds": ["daily", "load_curve"]},
        {"operator": "enedis", "meters": ["30001234567892"], "from": "2026-11-05", "to": "2026-11-05",
         "kinds": ["index"]},
    ]
    message = report.message("collect_enedis", "scheduled__2026-11-04")
    assert "Missing for 2 meter(s) (30001234567890, 30001234567891)" in message
    assert "30001234567891 load_curve: 2026-11-01, 2026-11-03 (x)" in message
    assert "1 raw answer(s) landed but not loaded" in message and "raw/k" in message
    assert '{"operator":"enedis","meters":["30001234567892"],"from":"2026-11-05"' in message


def test_nothing_owed_is_complete_even_with_flagged_meters():
    report = Completeness("grdf", flagged={"21100000000003 daily": "NO_CONSENT: revoked"})
    assert report.complete and report.replay_params() == []
