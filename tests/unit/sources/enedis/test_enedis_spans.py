"""Requests cut to the endpoints' limits: 7 days per curve call, history limits, walls, newest first."""

from datetime import date

from collecte.sources.enedis.spans import history_start, months_back, plan_calls

TODAY = date(2026, 11, 20)


def test_curve_calls_last_at_most_seven_days_newest_first():
    calls = plan_calls("courbe_de_charge_consommation", date(2026, 1, 1), date(2026, 1, 31), today=TODAY)
    assert all((end - start).days <= 7 for start, end in calls)
    assert calls[0][1] == date(2026, 2, 1) and calls[-1][0] == date(2026, 1, 1)
    assert sorted(calls) == calls[::-1]
    covered = sum((end - start).days for start, end in calls)
    assert covered == 31


def test_daily_data_in_year_long_calls_and_end_not_after_today():
    calls = plan_calls("consommation_quotidienne", date(2025, 1, 1), date(2026, 12, 31), today=TODAY)
    assert calls[0][1] == TODAY
    assert all((end - start).days <= 365 for start, end in calls)


def test_history_limits_and_walls_clip_the_start():
    assert history_start("courbe_de_charge_consommation", TODAY) > months_back(TODAY, 24) - date.resolution * 15
    calls = plan_calls("courbe_de_charge_consommation", date(2020, 1, 1), date(2026, 1, 7), today=TODAY)
    assert calls[-1][0] == history_start("courbe_de_charge_consommation", TODAY)
    walled = plan_calls("index_consommation", date(2026, 1, 1), date(2026, 6, 30), today=TODAY,
                        not_before=date(2026, 5, 4))
    assert walled == [(date(2026, 5, 4), date(2026, 7, 1))]


def test_one_day_is_one_call():
    assert plan_calls("courbe_de_charge_consommation", date(2026, 3, 29), date(2026, 3, 29), today=TODAY) == [
        (date(2026, 3, 29), date(2026, 3, 30))]


def test_missing_days_of_an_answer_become_gaps():
    import orjson

    from collecte.sources.enedis.collect import missing_days

    curve = orjson.dumps({"grandeur": [{"points": [{"v": "1", "d": "2026-05-05 00:30:00"},
                                                   {"v": "1", "d": "2026-05-06 00:00:00"},
                                                   {"v": "1", "d": "2026-05-08 00:00:00"}]}]})
    assert missing_days(curve, date(2026, 5, 5), date(2026, 5, 9), daily=False) == [
        ("2026-05-06", "2026-05-06"), ("2026-05-08", "2026-05-08")]
    daily = orjson.dumps({"grandeur": [{"points": [{"v": "1", "d": "2026-05-05"}]}]})
    assert missing_days(daily, date(2026, 5, 4), date(2026, 5, 8), daily=True) == [
        ("2026-05-04", "2026-05-04"), ("2026-05-06", "2026-05-07")]


def test_the_history_clamp_on_the_29th_to_31st_never_asks_before_the_limit():
    """Every day of three years as 'today': the first call planned is on or after Enedis's limit (the
    sandbox computes it like a Java LocalDate.minusMonths, the end-of-month clamp), and not far after."""
    from datetime import timedelta

    from sandbox.enedis.dataconnect import history_limit

    today = date(2026, 1, 1)
    while today <= date(2028, 12, 31):
        for resource, months in (("courbe_de_charge_consommation", 24), ("consommation_quotidienne", 36)):
            first = plan_calls(resource, date(2015, 1, 1), today - timedelta(days=1), today=today)[-1][0]
            limit = history_limit(today, months)
            assert limit <= first <= limit + timedelta(days=4), (today, resource, first, limit)
        today += timedelta(days=1)
    # the case that asked too early when the day was clamped to the 28th
    assert months_back(date(2026, 3, 31), 24) == date(2024, 3, 31)
    assert months_back(date(2026, 5, 31), 1) == date(2026, 5, 1)  # 31 April runs over into 1 May
    assert history_start("courbe_de_charge_consommation", date(2026, 3, 31)) == date(2024, 3, 17)
