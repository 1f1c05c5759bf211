"""The sequence ledger of the R50/R151 flows (PostgreSQL): gaps after the grace, per flow and stream, late files
reported once, pending loads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collecte.sources.enedis.flows_ledger import (
    FlowName,
    Gap,
    late_arrivals,
    mark_loaded,
    overdue_gaps,
    pending_loads,
    record_received,
)
from collecte.warehouse.db import connect

pytestmark = [pytest.mark.services]
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _files(flow: str, stream: str, numbers: list[int]) -> list[tuple[FlowName, str, str]]:
    return [(FlowName(flow, stream, n, "30001234567890"), f"{flow}_{stream}_{n:05d}.zip", f"raw/{flow}/{stream}/{n}")
            for n in numbers]


def test_a_gap_is_red_only_after_the_grace_and_a_late_file_is_reported_once(pg_url):
    grace = timedelta(hours=24)
    with connect(pg_url, autocommit=True) as conn:
        record_received(conn, _files("R50", "A", [5, 6, 9]), T0)  # 1-4: before the first one, unknown
        record_received(conn, _files("R151", "A", [1, 2, 3]), T0)
        record_received(conn, _files("R50", "B", [1, 3]), T0 + timedelta(hours=20))
        assert overdue_gaps(conn, grace=grace, now=T0 + timedelta(hours=23)) == []
        assert overdue_gaps(conn, grace=grace, now=T0 + timedelta(hours=25)) == [Gap("R50", "A", (7, 8))]
        gaps = overdue_gaps(conn, grace=grace, now=T0 + timedelta(hours=45))
        assert [str(g) for g in gaps] == ["R50 (stream A) missing sequence number(s) 7, 8",
                                          "R50 (stream B) missing sequence number(s) 2"]

        record_received(conn, _files("R50", "A", [8]), T0 + timedelta(hours=46))
        assert overdue_gaps(conn, grace=grace, now=T0 + timedelta(hours=46)) == [
            Gap("R50", "A", (7,)), Gap("R50", "B", (2,))]
        assert late_arrivals(conn, mark=True) == [("R50", "A", 8, "R50_A_00008.zip")]
        assert late_arrivals(conn, mark=True) == []  # reported once
        missing_since = conn.execute("SELECT missing_since, received_at FROM sge_flow_sequence WHERE flow = 'R50'"
                                     " AND stream = 'A' AND sequence_number = 8").fetchone()
        assert missing_since == (T0 + timedelta(hours=25), T0 + timedelta(hours=46))


def test_pending_loads_and_a_file_sent_again(pg_url):
    with connect(pg_url, autocommit=True) as conn:
        assert record_received(conn, _files("R151", "", [1, 2]), T0) == 2
        assert [r["key"] for r in pending_loads(conn)] == ["raw/R151//1", "raw/R151//2"]
        assert pending_loads(conn)[0] == {"key": "raw/R151//1", "kind": "sge_r151", "account": "30001234567890",
                                          "name": "R151__00001.zip"}
        assert mark_loaded(conn, ["raw/R151//1", "raw/R151//2"]) == 2
        assert record_received(conn, _files("R151", "", [1]), T0 + timedelta(days=1)) == 0  # same object: nothing
        assert pending_loads(conn) == []
        again = [(FlowName("R151", "", 2, None), "R151__00002.zip", "raw/R151/new/2")]
        assert record_received(conn, again, T0 + timedelta(days=1)) == 1  # other content: loaded again
        assert [r["key"] for r in pending_loads(conn)] == ["raw/R151/new/2"]


def test_a_subscription_no_file_comes_for_is_named(pg_url):
    from datetime import date

    from collecte.sources.enedis.flows_ledger import silent_subscriptions

    today = date(2026, 11, 20)
    with connect(pg_url, autocommit=True) as conn:
        for affaire, prm, kind, first, status in (
                ("A1", "30001234567890", "ACTIVATION_COURBE", date(2026, 11, 1), "ACTIVE"),
                ("A2", "30001234567890", "SOUSCRIPTION_INDEX", date(2026, 11, 1), "ACTIVE"),
                ("A3", "30001234567891", "ACTIVATION_COURBE", date(2026, 11, 19), "ACTIVE"),   # too recent
                ("A4", "30001234567892", "ACTIVATION_COURBE", date(2026, 10, 1), "STOPPED"),   # stopped
                # renewed yesterday: the stream is a month old and silent, not one day old
                ("A5", "30001234567893", "ACTIVATION_COURBE", date(2026, 10, 20), "RENEWED"),
                ("A6", "30001234567893", "ACTIVATION_COURBE", date(2026, 11, 19), "ACTIVE")):
            conn.execute("INSERT INTO sge_order (affaire_id, meter_id, order_kind, first_day, last_day, status)"
                         " VALUES (%s, %s, %s, %s, %s, %s)", (affaire, prm, kind, first, date(2027, 10, 1), status))
        record_received(conn, [(FlowName("R151", "7", 12, "30001234567890"), "R151_7_00012.zip", "raw/x")],
                        datetime(2026, 11, 19, 3, 0, tzinfo=UTC))
        record_received(conn, [(FlowName("R50", "6", 3, "30001234567890"), "R50_6_00003.zip", "raw/y")],
                        datetime(2026, 11, 10, 3, 0, tzinfo=UTC))  # curve files stopped coming on the 10th
        assert silent_subscriptions(conn, today=today, silence_days=3) == [
            ("30001234567890", "R50", date(2026, 11, 1)), ("30001234567893", "R50", date(2026, 10, 20))]
