"""History depth and span limits of consumption requests; the daily published window."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.sources.grdf.resources import history_start, published_window, resource, windows

pytestmark = pytest.mark.timeout(10)
TODAY = date(2026, 11, 29)


def test_history_depths():
    assert history_start("consumption", TODAY) == date(2021, 11, 29)
    assert history_start("daily", TODAY) == date(2023, 11, 29)
    assert history_start("daily", date(2028, 2, 29)) == date(2025, 2, 28)


def test_informative_split_to_366_days_and_clamped():
    spans, note = windows("daily", date(2022, 1, 1), TODAY, TODAY)
    assert spans[0][0] == date(2023, 11, 29) and spans[-1][1] == TODAY
    assert all((e - s).days <= 366 for s, e in spans)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert len(spans) == 3
    assert "history limit" in note and "2023-11-29" in note


def test_within_limits_one_window_no_note():
    spans, note = windows("consumption", date(2026, 1, 1), TODAY, TODAY)
    assert spans == [(date(2026, 1, 1), TODAY)] and note is None


def test_entirely_before_history_gives_nothing():
    spans, note = windows("daily", date(2020, 1, 1), date(2020, 2, 1), TODAY)
    assert spans == [] and note


def test_published_window_starts_on_a_month_boundary():
    assert published_window(date(2026, 11, 28), date(2026, 11, 29), 3) == (date(2026, 8, 1), date(2026, 11, 29))
    assert published_window(date(2026, 2, 10), date(2026, 2, 11), 3) == (date(2025, 11, 1), date(2026, 2, 11))


def test_unknown_kind_named():
    with pytest.raises(ValueError, match="load_curve"):
        resource("load_curve")


def test_end_clamped_to_today():
    spans, note = windows("daily", date(2026, 11, 20), date(2026, 12, 5), TODAY)
    assert spans == [(date(2026, 11, 20), TODAY)] and "up to today" in note
