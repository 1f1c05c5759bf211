"""The sandbox's delivery points: who they are and how they misbehave.

The fixed demo PRMs (docs: the consent gate contract) each carry one behaviour the connector must
handle; any other 14-digit PRM is an ordinary C5 consumer whose profile is seeded by its number,
so benchmarks can ask for as many meters as they like.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class MeterProfile:
    """Static facts of one delivery point in the sandbox."""

    prm: str
    segment: str = "C5"
    step_minutes: int = 30
    consumes: bool = True
    produces: bool = False
    base_w: int = 900             # average power of the household / site
    business: bool = False        # weekly pattern: business sites rest on weekends
    subscribed_kva: int = 9
    tariff_option: str = "HP/HC"  # BASE, HP/HC, 4 classes (C4)
    fta: str = "BTINFCU4"
    last_activation: date = date(2019, 3, 12)
    consent_start: date = date(2020, 1, 1)
    consent_revoked: bool = False
    moved_out: bool = False
    curve_needs_activation: bool = False
    gap_weekday: int | None = None  # ISO weekday with whole-day gaps (odd ISO weeks)
    step_change_at: datetime | None = None  # from this instant (UTC) the curve step is `step_after`
    step_after: int = 10
    api_segment_injection: str = "P4"

    @property
    def self_consumption(self) -> bool:
        """Both directions: a withdrawal and an injection contract."""
        return self.consumes and self.produces

    def step_at(self, start_utc: datetime) -> int:
        """Curve step (minutes) of the interval starting at `start_utc` (a meter can be reprogrammed)."""
        if self.step_change_at is not None and start_utc >= self.step_change_at:
            return self.step_after
        return self.step_minutes

    @property
    def seed(self) -> int:
        """Deterministic 64-bit seed of this PRM."""
        return int.from_bytes(hashlib.sha256(self.prm.encode()).digest()[:8], "big")


NORMAL = "30001234567890"
GAPS = "30001234567891"
CURVE_NOT_ACTIVATED = "30001234567892"
PRODUCER = "30001234567893"
CONSENT_REVOKED = "30001234567894"
RECENT = "30001234567895"
C4_10MIN = "30001234567896"
CURVE_60MIN = "30001234567897"
# Sandbox-only points for the remaining error codes (not in the demo config).
MOVED_OUT = "30001234567898"
LATE_CONSENT = "30001234567899"
# Data Connect 2026 behaviours.
STEP_CHANGE = "30001234567880"       # 30-min curve reprogrammed to 10 min on 2026-11-10 at 12:00 Paris time
SELF_CONSUMPTION = "30001234567881"  # consumes and produces: two contracts (GRD-F withdrawal, GRD-A injection)

STEP_CHANGE_AT = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)  # 12:00 Paris (CET)

RECENT_ACTIVATION = date(2026, 5, 4)
LATE_CONSENT_START = date(2026, 9, 1)

_FIXED: dict[str, MeterProfile] = {
    NORMAL: MeterProfile(NORMAL),
    GAPS: MeterProfile(GAPS, base_w=1200, gap_weekday=3),
    CURVE_NOT_ACTIVATED: MeterProfile(CURVE_NOT_ACTIVATED, base_w=700, curve_needs_activation=True,
                                      tariff_option="BASE", fta="BTINFCUST", subscribed_kva=6),
    PRODUCER: MeterProfile(PRODUCER, segment="P4", consumes=False, produces=True, base_w=2500,
                           tariff_option="BASE", fta="BTINFCUST", subscribed_kva=9),
    CONSENT_REVOKED: MeterProfile(CONSENT_REVOKED, consent_revoked=True),
    RECENT: MeterProfile(RECENT, base_w=650, last_activation=RECENT_ACTIVATION),
    C4_10MIN: MeterProfile(C4_10MIN, segment="C4", step_minutes=10, base_w=42_000, business=True,
                           subscribed_kva=120, tariff_option="4 classes", fta="BTSUPCU"),
    CURVE_60MIN: MeterProfile(CURVE_60MIN, step_minutes=60, base_w=1500, business=True,
                              subscribed_kva=36, fta="BTINFMUDT"),
    MOVED_OUT: MeterProfile(MOVED_OUT, moved_out=True),
    LATE_CONSENT: MeterProfile(LATE_CONSENT, consent_start=LATE_CONSENT_START),
    STEP_CHANGE: MeterProfile(STEP_CHANGE, base_w=1100, step_change_at=STEP_CHANGE_AT, step_after=10),
    SELF_CONSUMPTION: MeterProfile(SELF_CONSUMPTION, produces=True, base_w=800, subscribed_kva=12,
                                   last_activation=date(2014, 1, 22)),
}


def profile(prm: str) -> MeterProfile:
    """The profile of `prm`: a fixed demo behaviour, or an ordinary seeded C5 consumer."""
    if prm in _FIXED:
        return _FIXED[prm]
    seed = int(prm[-6:]) if prm[-6:].isdigit() else 0
    return MeterProfile(prm, base_w=500 + seed % 1500, business=seed % 3 == 0)


def fixed_prms() -> list[str]:
    """Every PRM with a special behaviour."""
    return list(_FIXED)
