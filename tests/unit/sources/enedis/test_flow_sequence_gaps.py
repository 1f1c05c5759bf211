"""Sequence gaps of the R50/R151 flows: a number is missing once a later file has waited past the grace."""

from datetime import UTC, datetime, timedelta

from collecte.sources.enedis.flows_ledger import Gap, overdue_numbers

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def test_no_gap_without_a_hole_or_before_the_first_number():
    assert overdue_numbers({}, grace=DAY, now=T0) == []
    assert overdue_numbers({7: T0, 8: T0, 9: T0}, grace=DAY, now=T0 + 2 * DAY) == []  # 1-6: unknown start


def test_a_hole_counts_only_once_the_next_file_waited_past_the_grace():
    received = {1: T0, 2: T0, 5: T0 + timedelta(hours=10), 6: T0 + timedelta(hours=30), 9: T0 + timedelta(hours=40)}
    assert overdue_numbers(received, grace=DAY, now=T0 + timedelta(hours=33)) == []
    assert overdue_numbers(received, grace=DAY, now=T0 + timedelta(hours=34)) == [3, 4]
    assert overdue_numbers(received, grace=DAY, now=T0 + timedelta(hours=64)) == [3, 4, 7, 8]
    assert overdue_numbers(received, grace=timedelta(0), now=T0 + timedelta(hours=40)) == [3, 4, 7, 8]


def test_the_gap_names_flow_stream_and_numbers():
    assert str(Gap("R50", "64697001", (3, 4))) == "R50 (stream 64697001) missing sequence number(s) 3, 4"
    assert str(Gap("R151", "", (12,))) == "R151 missing sequence number(s) 12"
