"""What can be collected from ADICT, in the consent gate's vocabulary, and within which limits.

Data kinds (those of `collecte.consent.gate`): `consumption` = published (billing) consumption,
`daily` = informative daily consumption, `contract` = contractual data, `technical` = technical
data. Consumption requests are clamped to the history depth and split to the longest span one
call may ask for; `date_fin` is exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Resource:
    """One ADICT data resource."""

    kind: str                 # consent gate data kind
    path: str                 # under /pce/{pce}/
    scope_flag: str           # access-right perimeter flag that must be "Vrai"
    raw_kind: str             # raw-zone kind
    history_years: int | None = None
    max_span_days: int | None = None

    @property
    def is_consumption(self) -> bool:
        """Whether the resource takes a period (date_debut / date_fin)."""
        return self.history_years is not None


RESOURCES: dict[str, Resource] = {
    "consumption": Resource("consumption", "donnees_consos_publiees", "perim_donnees_publiees",
                            "adict_published", history_years=5, max_span_days=5 * 366),
    "daily": Resource("daily", "donnees_consos_informatives", "perim_donnees_informatives",
                      "adict_informative", history_years=3, max_span_days=366),
    "contract": Resource("contract", "donnees_contractuelles", "perim_donnees_contractuelles",
                         "adict_contract"),
    "technical": Resource("technical", "donnees_techniques", "perim_donnees_techniques",
                          "adict_technical"),
}
KINDS = tuple(RESOURCES)


def resource(kind: str) -> Resource:
    """The resource of a data kind, or a ValueError naming the accepted kinds."""
    try:
        return RESOURCES[kind]
    except KeyError:
        raise ValueError(f"GRDF data kind {kind!r} unknown; expected one of {KINDS}") from None


def history_start(kind: str, today: date) -> date:
    """First day ADICT still serves for a consumption kind on `today`."""
    years = resource(kind).history_years or 0
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def windows(kind: str, start: date, end: date, today: date) -> tuple[list[tuple[date, date]], str | None]:
    """[start, end) clamped to the history depth and to today (ADICT refuses a `date_fin` after the
    current day: lowatt-grdf staging-api-requests.md), split to the span limit; plus why it was
    clamped. The span limits are this project's choice: the sources give none."""
    res = resource(kind)
    note = None
    if end > today:
        note = f"ADICT serves {kind} data up to today ({today.isoformat()}) only"
        end = today
    first = history_start(kind, today)
    if start < first:
        note = (note + "; " if note else "") + f"history limit: ADICT serves {kind} data from {first.isoformat()} only " \
               f"({res.history_years} years); {start.isoformat()} to {min(end, first).isoformat()} skipped"
        start = first
    out = []
    step = timedelta(days=res.max_span_days or 366)
    while start < end:
        out.append((start, min(end, start + step)))
        start = min(end, start + step)
    return out, note


def add_months(day: date, months: int) -> date:
    """First day of the month `months` after (or before) `day`'s month."""
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def published_window(first_day: date, end: date, lookback_months: int = 3) -> tuple[date, date]:
    """Window asked for published data in a daily run: from the first of the month
    `lookback_months` before, so late publications and provisional -> definitive updates are
    picked up, and so that days of the same month ask the same window (same answer, no new raw
    object)."""
    return add_months(first_day, -lookback_months), end
