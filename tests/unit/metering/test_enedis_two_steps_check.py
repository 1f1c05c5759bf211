"""A day whose curve changes step (30 → 10 min at noon) is complete for the Great Expectations suite too."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.metering.dataconnect import parse_measures
from collecte.quality.validation import validate
from sandbox.enedis import dataconnect as dc
from sandbox.enedis import meters
from sandbox.enedis.state import SandboxState

pytestmark = pytest.mark.timeout(120)


def _curve():
    state = SandboxState(today=date(2026, 11, 20))
    body = dc.measure(state, "courbe_de_charge_consommation",
                      f"pointId={meters.STEP_CHANGE}&dateDebut=2026-11-09&dateFin=2026-11-12").body
    frame = parse_measures([("courbe_de_charge_consommation", "raw/s", body)])["load_curve"].to_pandas()
    for column in ("meter_id", "direction", "source", "raw_key"):
        frame[column] = frame[column].astype(str)
    return frame


def test_a_day_with_two_steps_passes_day_complete():
    frame = _curve()
    assert sorted(frame["interval_minutes"].value_counts().to_dict().items()) == [(10, 72 + 144), (30, 48 + 24)]
    outcome = validate("load_curve", frame)
    assert outcome.success and not outcome.failures, outcome.summary()


def test_a_hole_in_the_ten_minute_part_flags_that_day_only():
    frame = _curve()
    hole = frame[(frame["interval_minutes"] == 10)].index[10]  # a 10-minute point of 10 November
    outcome = validate("load_curve", frame.drop(index=hole))
    assert [f["rule"] for f in outcome.failures] == ["day_complete"]
    assert len(outcome.warned) == 24 + 72 - 1
