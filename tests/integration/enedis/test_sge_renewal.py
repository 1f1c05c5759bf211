"""SGE subscriptions renewed before their one-year end, never past the mandate; the sandbox renews as Enedis does."""

from datetime import timedelta

import pytest

from collecte.sources.enedis.errors import Refusal
from collecte.sources.enedis.sge import Consent
from collecte.sources.enedis.telereleve import (
    activate_meter,
    active_orders,
    due_renewals,
    expire_lapsed,
    renew_meter,
)
from collecte.warehouse.db import connect
from sandbox.enedis import meters
from tests.integration.enedis.conftest import TODAY
from tests.integration.enedis.test_enedis_telereleve import Recording, assert_all_valid

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
CONSENT = Consent(company="Ville de Lyon")


def _orders(conn, prm):
    return conn.execute("SELECT affaire_id, order_kind, status, first_day, last_day, renewed_by, service_souscrit_id"
                        " FROM sge_order WHERE meter_id = %s ORDER BY ordered_at, affaire_id", (prm,)).fetchall()


def test_ending_subscriptions_are_renewed_once_and_the_old_orders_marked(enedis, pg_url):
    prm = meters.NORMAL
    with Recording(enedis.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        placed = activate_meter(sge, conn, prm, CONSENT, today=TODAY)
        assert due_renewals(conn, TODAY, 30) == []
        later = TODAY + timedelta(days=340)  # 25 days before the end
        enedis.state.today = later
        assert due_renewals(conn, later, 20) == [] and due_renewals(conn, later, 30) == [prm]
        outcomes = renew_meter(sge, conn, prm, CONSENT, today=later)
        assert renew_meter(sge, conn, prm, CONSENT, today=later) == {}  # a rerun renews nothing twice
        rows = _orders(conn, prm)
        services = sge.services(prm)
        assert_all_valid(sge)
    assert {k: o["outcome"] for k, o in outcomes.items()} == {"CDC": "renewed", "IDX": "renewed"}
    old = {r[0]: r for r in rows if r[0] in placed.values()}
    new = [r for r in rows if r[0] not in placed.values()]
    assert {r[2] for r in old.values()} == {"RENEWED"}
    assert {old[placed[k]][5] for k in ("CDC", "IDX")} == {outcomes["CDC"]["affaire"], outcomes["IDX"]["affaire"]}
    assert [(r[1], r[2], r[3], r[4]) for r in new] == [
        ("ACTIVATION_COURBE", "ACTIVE", later, later + timedelta(days=365)),
        ("SOUSCRIPTION_INDEX", "ACTIVE", later, later + timedelta(days=365))]
    # Enedis keeps one service per kind, now ending a year after the renewal
    assert sorted((s["serviceSouscritType"], s["etatCode"], s["dateFin"]) for s in services) == [
        ("F300C", "ACTIF", (later + timedelta(days=365)).isoformat()),
        ("F305", "ACTIF", (later + timedelta(days=365)).isoformat())]
    assert {r[6] for r in new} == {r[6] for r in old.values()}


def test_never_past_the_mandate_end(enedis, pg_url):
    prm = meters.CURVE_60MIN
    later = TODAY + timedelta(days=350)
    with Recording(enedis.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        activate_meter(sge, conn, prm, CONSENT, today=TODAY)
        enedis.state.today = later
        ending = renew_meter(sge, conn, prm, CONSENT, today=later, until=TODAY + timedelta(days=360))
        assert active_orders(conn, prm, "ACTIVATION_COURBE", on=later)  # left to run to its end
        renewed = renew_meter(sge, conn, prm, CONSENT, today=later, until=TODAY + timedelta(days=400))
        rows = _orders(conn, prm)
    assert {o["outcome"] for o in ending.values()} == {"mandate_ends"}
    assert {o["outcome"] for o in renewed.values()} == {"renewed"}
    assert {r[4] for r in rows if r[2] == "ACTIVE"} == {TODAY + timedelta(days=400)}  # the mandate's end


def test_the_sandbox_refuses_what_enedis_refuses_for_a_live_service(enedis):
    prm = meters.RECENT
    with Recording(enedis.base_url) as sge:
        sge.subscribe(prm, kind="IDX", first=TODAY, last=TODAY + timedelta(days=200), consent=CONSENT)
        with pytest.raises(Refusal) as same_end:  # not later than the live one: not a renewal
            sge.subscribe(prm, kind="IDX", first=TODAY, last=TODAY + timedelta(days=200), consent=CONSENT)
        with pytest.raises(Refusal) as too_long:  # a renewal is a year at most too
            sge.subscribe(prm, kind="IDX", first=TODAY, last=TODAY + timedelta(days=400), consent=CONSENT)
        renewal = sge.subscribe(prm, kind="IDX", first=TODAY, last=TODAY + timedelta(days=300), consent=CONSENT)
        listed = sge.services(prm)
        assert_all_valid(sge)
    assert same_end.value.code == "SGT570" and too_long.value.code == "SGT4H4"
    assert [(s["serviceSouscritId"], s["dateFin"]) for s in listed] == [
        (renewal["serviceSouscritId"], (TODAY + timedelta(days=300)).isoformat())]


def test_a_lapsed_subscription_expires_and_the_meter_is_activated_again(enedis, pg_url):
    prm = meters.GAPS
    with Recording(enedis.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        first = activate_meter(sge, conn, prm, CONSENT, today=TODAY)
        later = TODAY + timedelta(days=366)
        enedis.state.today = later
        assert {s["etatCode"] for s in sge.services(prm)} == {"TERMINE"}
        assert due_renewals(conn, later, 30) == []  # too late to renew: ended
        assert expire_lapsed(conn, later) == 2 and expire_lapsed(conn, later) == 0
        again = activate_meter(sge, conn, prm, CONSENT, today=later)
        statuses = {r[0]: r[2] for r in _orders(conn, prm)}
    assert set(again.values()).isdisjoint(first.values())
    assert {statuses[a] for a in first.values()} == {"EXPIRED"} and {statuses[a] for a in again.values()} == {"ACTIVE"}


def test_a_renewal_enedis_took_but_collecte_never_recorded_is_not_ordered_again(enedis, pg_url):
    prm = meters.STEP_CHANGE
    later = TODAY + timedelta(days=345)
    with Recording(enedis.base_url) as sge, connect(pg_url, autocommit=True) as conn:
        placed = activate_meter(sge, conn, prm, CONSENT, today=TODAY)
        enedis.state.today = later
        # the renewal went through at Enedis, but its answer was lost (a cut connection, a crash)
        sge.subscribe(prm, kind="IDX", first=later, last=later + timedelta(days=300), consent=CONSENT)
        outcomes = renew_meter(sge, conn, prm, CONSENT, today=later)
        rows = {r[0]: r for r in _orders(conn, prm)}
        assert renew_meter(sge, conn, prm, CONSENT, today=later) == {}
        assert_all_valid(sge)
    assert outcomes["IDX"] == {"outcome": "already_renewed_at_enedis", "affaire": placed["IDX"],
                               "last_day": (later + timedelta(days=300)).isoformat()}
    assert outcomes["CDC"]["outcome"] == "renewed"
    assert rows[placed["IDX"]][2:5] == ("ACTIVE", TODAY, later + timedelta(days=300))
