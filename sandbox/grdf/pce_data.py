"""Deterministic, realistic gas data for one PCE, seeded by its identifier.

Every figure derives from a hash of (PCE, tag, day), never from Python's `hash()` or the clock, so
the same request gives the same bytes in every process. The model:

- daily energy = annual consumption (by tariff option) spread over the days by heating degree
  days (a seasonal temperature with day-to-day weather noise, shared by all PCEs) plus a base
  load (hot water, process); business sites consume less at weekends;
- conversion coefficient (kWh/m³) per day: about 11.3 for H gas, about 10.0 for the northern
  B-gas zone (L gas), with a small seasonal swing; always within 9-12.5;
- m³ indexes continue from an initial index from 2019-01-01 on: whole m³ as a meter shows them;
- published (billing) periods by reading frequency: T1 every two months ("2M"), T2 monthly
  ("1M"), T3 monthly ("MM"), T4 daily ("JJ"); informative data daily.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta

EPOCH = date(2019, 1, 1)
HORIZON = date(2031, 1, 1)

TARIFF_ANNUAL_KWH = {"T1": 4_800, "T2": 85_000, "T3": 1_400_000, "T4": 9_000_000}
TARIFF_FREQUENCY = {"T1": "2M", "T2": "1M", "T3": "MM", "T4": "JJ"}
TARIFF_PROFILE = {"T1": "P011", "T2": "P013", "T3": "P016", "T4": "P019"}


def unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from `parts`."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class PceProfile:
    """What is fixed about a PCE: tariff, consumption, gas zone, holder, address."""

    pce: str
    tariff: str
    annual_kwh: float
    b_gas: bool
    initial_index_m3: int
    holder: str
    postal_code: str
    city: str
    street: str
    commissioned: date

    @property
    def frequency(self) -> str:
        """Reading frequency code (2M, 1M, MM, JJ)."""
        return TARIFF_FREQUENCY[self.tariff]

    @property
    def business(self) -> bool:
        """Whether the site has a business week (lower weekends)."""
        return self.tariff != "T1"


FIXED: dict[str, tuple[str, float, str]] = {
    "21100000000001": ("T2", 85_000, "Mairie de Saint-Aubin"),
    "21100000000002": ("T1", 4_800, "Association Les Tilleuls"),
    "GI000123": ("T3", 1_400_000, "Clinique du Parc"),
    "21100000000003": ("T2", 62_000, "École Jules Ferry"),
    "21100000000004": ("T2", 120_000, "Gymnase Municipal"),
}
_CITIES = [("69003", "Lyon"), ("59000", "Lille"), ("31000", "Toulouse"), ("44000", "Nantes"),
           ("67000", "Strasbourg"), ("13001", "Marseille")]


@functools.cache
def profile(pce: str) -> PceProfile:
    """The fixed characteristics of `pce` (demo PCEs fixed, others drawn from the seed)."""
    if pce in FIXED:
        tariff, annual, holder = FIXED[pce]
    else:
        draw = unit(pce, "tariff")
        tariff = "T1" if draw < 0.45 else "T2" if draw < 0.9 else "T3" if draw < 0.98 else "T4"
        annual = TARIFF_ANNUAL_KWH[tariff] * (0.5 + unit(pce, "annual"))
        holder = f"Client {pce[-4:]}"
    postal, city = _CITIES[int(unit(pce, "city") * len(_CITIES))]
    return PceProfile(
        pce=pce, tariff=tariff, annual_kwh=annual,
        b_gas=postal == "59000",
        initial_index_m3=1_000 + int(unit(pce, "index") * 40_000),
        holder=holder, postal_code=postal, city=city,
        street=f"{1 + int(unit(pce, 'street') * 120)} rue de la Gare",
        commissioned=date(2008 + int(unit(pce, "since") * 10), 1 + int(unit(pce, "month") * 12), 1),
    )


def temperature(day: date) -> float:
    """Daily mean temperature (°C): seasonal curve, coldest mid-January, plus weather noise."""
    doy = day.timetuple().tm_yday
    seasonal = 12.0 - 8.0 * math.cos(2 * math.pi * (doy - 15) / 365.25)
    return seasonal + (unit("weather", day) - 0.5) * 6.0


def coefficient(pce: str, day: date) -> float:
    """Conversion coefficient (kWh/m³) of the gas delivered to `pce` on `day`, 2 decimals."""
    base = 10.02 if profile(pce).b_gas else 11.28
    doy = day.timetuple().tm_yday
    swing = 0.12 * math.sin(2 * math.pi * doy / 365.25) + (unit(pce, "pcs", day.month, day.year) - 0.5) * 0.1
    return round(base + swing, 2)


def _weight(p: PceProfile, day: date) -> float:
    heating = max(0.0, 17.0 - temperature(day))
    weight = 1.2 + heating * (1.0 + 0.3 * unit(p.pce, "use", day))
    if p.business and day.weekday() >= 5:
        weight *= 0.7
    return weight


@functools.cache
def _mean_weight(pce: str) -> float:
    p = profile(pce)
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(366)]
    return sum(_weight(p, d) for d in days) / len(days)


@functools.cache
def daily_series(pce: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(kWh per day, cumulative m³ at the start of each day) from EPOCH to HORIZON."""
    p = profile(pce)
    per_day = p.annual_kwh / 365.25 / _mean_weight(pce)
    kwh: list[float] = []
    cumulative: list[float] = [0.0]
    day = EPOCH
    while day < HORIZON:
        energy = per_day * _weight(p, day)
        kwh.append(energy)
        cumulative.append(cumulative[-1] + energy / coefficient(pce, day))
        day += timedelta(days=1)
    return tuple(kwh), tuple(cumulative)


def index_m3(pce: str, day: date) -> int:
    """Meter index (whole m³) at the start of gas day `day`."""
    _, cumulative = daily_series(pce)
    return profile(pce).initial_index_m3 + int(cumulative[(day - EPOCH).days])


def period_coefficient(pce: str, start: date, end: date) -> float:
    """Volume-weighted conversion coefficient over [start, end), 2 decimals."""
    kwh, cumulative = daily_series(pce)
    i, j = (start - EPOCH).days, (end - EPOCH).days
    volume = cumulative[j] - cumulative[i]
    return round(sum(kwh[i:j]) / volume, 2) if volume else coefficient(pce, start)


def published_periods(pce: str, start: date, end: date) -> list[tuple[date, date]]:
    """Billing periods [s, e) of `pce` that overlap [start, end)."""
    frequency = profile(pce).frequency
    if frequency == "JJ":
        return [(start + timedelta(days=i), start + timedelta(days=i + 1)) for i in range((end - start).days)]
    months = 2 if frequency == "2M" else 1
    first = date(start.year, start.month, 1)
    if months == 2 and first.month % 2 == 0:  # bimonthly periods start in odd months
        first = _add_months(first, -1)
    out = []
    while first < end:
        nxt = _add_months(first, months)
        if nxt > start:
            out.append((first, nxt))
        first = nxt
    return out


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)
