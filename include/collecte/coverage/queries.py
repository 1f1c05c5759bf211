"""Coverage queries over the warehouse: registry tree, day states per meter, month states per account.

Every query takes a psycopg connection and returns plain Python. One round trip per question
(not per meter or per day): the overview of 1,000 meters x 3 years stays one aggregate query per
data kind (`benchmarks/coverage.py` measures them).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from collecte.coverage.calendar import (
    METER_KINDS,
    DayState,
    MeterKind,
    MonthState,
    day_minutes,
    days_between,
    last_due_day,
    months_between,
)

# meter_status.data_kind values whose history wall bounds a coverage kind
_WALL_KINDS: dict[str, tuple[str, ...]] = {
    "load_curve": ("load_curve",),
    "daily_energy": ("daily", "daily_energy"),
    "max_power": ("max_power",),
    "gas_day": ("informative", "published", "consumption", "daily"),
}
# an invoice for month M is expected by the 20th of M+1: until then a missing month is not due
INVOICE_DUE_DAYS = 20
PROBLEM_INVOICE = ("needs_review", "layout_changed")


@dataclass(frozen=True)
class Filters:
    """What the coverage view shows: a period and optional narrowing."""

    first: date
    last: date
    organization: str | None = None
    supplier: str | None = None
    operator: str | None = None
    kind: str | None = None

    def kinds(self) -> list[MeterKind]:
        """The meter kinds asked for (all by default, or the one filtered, within the operator)."""
        chosen = [k for k in METER_KINDS.values() if not self.operator or k.operator == self.operator]
        return [k for k in chosen if not self.kind or k.name == self.kind]


@dataclass
class MeterNode:
    """A meter in the registry with, per kind, how many days of the period are in each state."""

    meter_id: str
    operator: str
    summary: dict[str, Counter] = field(default_factory=dict)


@dataclass
class AccountNode:
    """A supplier account with, per month state, how many months of the period."""

    supplier: str
    account_id: str
    summary: Counter = field(default_factory=Counter)


@dataclass
class SiteNode:
    """A site and what it holds."""

    site_id: str
    name: str
    meters: list[MeterNode] = field(default_factory=list)
    accounts: list[AccountNode] = field(default_factory=list)


@dataclass
class OrganizationNode:
    """Organization -> entity -> site, as the registry defines them."""

    organization_id: str
    name: str
    entities: dict[str, tuple[str, list[SiteNode]]] = field(default_factory=dict)


def registry(conn: Any, filters: Filters) -> list[OrganizationNode]:
    """The registry tree (organizations, entities, sites, meters and accounts) within the filters."""
    orgs: dict[str, OrganizationNode] = {}
    sites: dict[str, SiteNode] = {}
    rows = conn.execute(
        """SELECT o.id, o.name, e.id, e.name, s.id, s.name
             FROM organization o JOIN entity e ON e.organization_id = o.id JOIN site s ON s.entity_id = e.id
            WHERE %(org)s::text IS NULL OR o.id = %(org)s
            ORDER BY o.name, e.name, s.name""", {"org": filters.organization}).fetchall()
    for org_id, org_name, entity_id, entity_name, site_id, site_name in rows:
        org = orgs.setdefault(org_id, OrganizationNode(org_id, org_name))
        site = sites[site_id] = SiteNode(site_id, site_name)
        org.entities.setdefault(entity_id, (entity_name, []))[1].append(site)
    if filters.supplier is None:
        for meter_id, site_id, operator in conn.execute(
                "SELECT id, site_id, operator FROM meter WHERE site_id = ANY(%s) "
                "AND (%s::text IS NULL OR operator = %s) ORDER BY id",
                (list(sites), filters.operator, filters.operator)).fetchall():
            sites[site_id].meters.append(MeterNode(meter_id, operator))
    if filters.operator is None and filters.kind is None:
        for supplier, account_id, site_id in conn.execute(
                """SELECT a.supplier, a.account_id, coalesce(a.site_id, (SELECT min(s.id) FROM site s
                                                                         WHERE s.entity_id = a.entity_id))
                     FROM supplier_account a WHERE (%s::text IS NULL OR a.supplier = %s)
                    ORDER BY a.supplier, a.account_id""", (filters.supplier, filters.supplier)).fetchall():
            if site_id in sites:
                sites[site_id].accounts.append(AccountNode(supplier, account_id))
    if filters.supplier or filters.operator or filters.kind:
        _prune(orgs)
    return list(orgs.values())


def _prune(orgs: dict[str, OrganizationNode]) -> None:
    """Drop the sites, entities and organizations a narrowing filter left empty."""
    for org_id, org in list(orgs.items()):
        for entity_id, (name, site_list) in list(org.entities.items()):
            kept = [s for s in site_list if s.meters or s.accounts]
            if kept:
                org.entities[entity_id] = (name, kept)
            else:
                del org.entities[entity_id]
        if not org.entities:
            del orgs[org_id]


def history_walls(conn: Any, meter_ids: list[str], kind: MeterKind) -> dict[str, date]:
    """Per meter, the first Paris day the operator can have for `kind` (its history wall), if known."""
    rows = conn.execute(
        "SELECT meter_id, max(not_before) FROM meter_status WHERE operator = %s AND meter_id = ANY(%s) "
        "AND data_kind = ANY(%s) AND not_before IS NOT NULL GROUP BY meter_id",
        (kind.operator, meter_ids, list(_WALL_KINDS[kind.name]))).fetchall()
    return dict(rows)


def covered_minutes(conn: Any, meter_ids: list[str], kind: MeterKind, first: date, last: date
                    ) -> dict[str, dict[date, int]]:
    """Minutes of each Paris day that the warehouse holds, per meter (a whole day for daily kinds).

    A curve point covers (interval_end - interval_minutes, interval_end]: its day is its start's
    Paris day; with both directions loaded (self-consumption) the better-covered one counts.
    """
    out: dict[str, dict[date, int]] = defaultdict(dict)
    for meter, day, minutes in conn.execute(_held_sql(kind), {"ids": meter_ids, "first": first, "last": last}):
        out[meter][day] = int(minutes)
    return out


def day_state(day: date, minutes: int, *, due_until: date, wall: date | None) -> DayState:
    """The state of one day from the minutes held, the last due day and the history wall."""
    if minutes >= day_minutes(day):
        return DayState.COMPLETE
    if minutes > 0:
        return DayState.PARTIAL
    if wall is not None and day < wall:
        return DayState.NOT_COVERED
    if day > due_until:
        return DayState.NOT_DUE
    return DayState.MISSING


def meter_days(conn: Any, meter_id: str, kind_name: str, first: date, last: date, now: datetime
               ) -> dict[date, DayState]:
    """The state of every day of the period for one meter and kind."""
    kind = METER_KINDS[kind_name]
    held = covered_minutes(conn, [meter_id], kind, first, last).get(meter_id, {})
    return day_states(held, first, last, due_until=last_due_day(kind, now),
                      wall=history_walls(conn, [meter_id], kind).get(meter_id))


def day_states(held: dict[date, int], first: date, last: date, *, due_until: date, wall: date | None
               ) -> dict[date, DayState]:
    """The state of every day of [first, last] from the minutes held per day."""
    return {d: day_state(d, held.get(d, 0), due_until=due_until, wall=wall) for d in days_between(first, last)}


def _held_sql(kind: MeterKind) -> str:
    """SQL yielding (meter_id, day, minutes) for the meters %(ids)s over [%(first)s, %(last)s]."""
    if kind.name == "load_curve":
        return """SELECT meter_id, day, max(minutes) AS minutes FROM (
                    SELECT meter_id, direction,
                           ((interval_end - make_interval(mins => interval_minutes)) AT TIME ZONE 'Europe/Paris')::date
                               AS day, sum(interval_minutes) AS minutes
                      FROM load_curve
                     WHERE meter_id = ANY(%(ids)s)
                       AND interval_end > (%(first)s::date::timestamp AT TIME ZONE 'Europe/Paris')
                       AND interval_end <= ((%(last)s::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')
                     GROUP BY 1, 2, 3) per_direction GROUP BY 1, 2"""
    length = "extract(epoch FROM ((d + 1)::timestamp AT TIME ZONE 'Europe/Paris') " \
             "- (d::timestamp AT TIME ZONE 'Europe/Paris')) / 60"
    if kind.name == "gas_day":
        days = """SELECT DISTINCT pce AS meter_id, g::date AS d FROM gas_consumption,
                         generate_series(greatest(period_start, %(first)s::date),
                                         least(period_end - 1, %(last)s::date), interval '1 day') AS g
                   WHERE pce = ANY(%(ids)s) AND period_end > %(first)s AND period_start <= %(last)s"""
    else:
        days = f"SELECT DISTINCT meter_id, day AS d FROM {kind.table} WHERE meter_id = ANY(%(ids)s) " \
               "AND day BETWEEN %(first)s AND %(last)s"  # noqa: S608 (table from METER_KINDS, not input)
    return f"SELECT meter_id, d AS day, {length} AS minutes FROM ({days}) held"  # noqa: S608


def meter_summaries(conn: Any, meters: list[MeterNode], filters: Filters, now: datetime) -> None:
    """Fill each meter's per-kind count of days by state: one aggregate query per kind for all meters.

    The database counts the days held (complete / partial, and how many of them fall before the
    history wall or after the last due day); the days without data are then split arithmetically
    into not covered (before the wall), not due (after the last due day) and missing.
    """
    total = (filters.last - filters.first).days + 1
    for kind in filters.kinds():
        ids = [m.meter_id for m in meters if m.operator == kind.operator]
        if not ids:
            continue
        due = last_due_day(kind, now)
        walls = history_walls(conn, ids, kind)
        sql = _summary_sql(kind)
        params = {"ids": ids, "first": filters.first, "last": filters.last, "due": due,
                  "wall_ids": list(walls), "wall_days": list(walls.values())}
        counts = {row[0]: row[1:] for row in conn.execute(sql, params).fetchall()}
        after_due = max(0, (filters.last - max(due, filters.first - timedelta(days=1))).days)
        for meter in meters:
            if meter.operator != kind.operator:
                continue
            complete, partial, held_before_wall, held_after_due = counts.get(meter.meter_id, (0, 0, 0, 0))
            wall = walls.get(meter.meter_id)
            before_wall = max(0, min((wall - filters.first).days, total)) if wall else 0
            not_covered = before_wall - held_before_wall
            not_due = after_due - held_after_due
            if wall and wall > due:  # the two windows overlap: count those days once, as not covered
                not_due -= max(0, min((wall - max(due + timedelta(days=1), filters.first)).days, after_due))
            meter.summary[kind.name] = Counter({
                DayState.COMPLETE: complete, DayState.PARTIAL: partial, DayState.NOT_COVERED: not_covered,
                DayState.NOT_DUE: not_due,
                DayState.MISSING: total - complete - partial - not_covered - not_due})


def _summary_sql(kind: MeterKind) -> str:
    """Per meter: days complete, days partial, held days before its wall, held days after the due day."""
    wall = "wall AS (SELECT * FROM unnest(%(wall_ids)s::text[], %(wall_days)s::date[]) AS w(meter_id, nb))"
    if kind.name in ("daily_energy", "max_power"):
        # a row is a whole day: no day length to compute, and the key's index answers the scan
        return f"""WITH {wall}
                   SELECT t.meter_id, count(DISTINCT t.day), 0,
                          count(DISTINCT t.day) FILTER (WHERE t.day < wall.nb),
                          count(DISTINCT t.day) FILTER (WHERE t.day > %(due)s)
                     FROM {kind.table} t LEFT JOIN wall USING (meter_id)
                    WHERE t.meter_id = ANY(%(ids)s) AND t.day BETWEEN %(first)s AND %(last)s
                    GROUP BY t.meter_id"""  # noqa: S608 (table from METER_KINDS, not input)
    lengths = """lengths AS (SELECT g::date AS day, extract(epoch FROM ((g::date + 1)::timestamp AT TIME ZONE
                     'Europe/Paris') - (g::date::timestamp AT TIME ZONE 'Europe/Paris')) / 60 AS day_minutes
                     FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS g)"""
    return f"""WITH held AS ({_held_sql(kind)}), {wall}, {lengths}
               SELECT held.meter_id,
                      count(*) FILTER (WHERE held.minutes >= lengths.day_minutes),
                      count(*) FILTER (WHERE held.minutes < lengths.day_minutes),
                      count(*) FILTER (WHERE held.day < wall.nb),
                      count(*) FILTER (WHERE held.day > %(due)s)
                 FROM held JOIN lengths USING (day) LEFT JOIN wall USING (meter_id)
                GROUP BY held.meter_id"""  # noqa: S608


def meter_gaps(conn: Any, meter_id: str, first: date, last: date) -> list[dict[str, Any]]:
    """Gaps the operator reported ("no data") for one meter, overlapping the period."""
    rows = conn.execute(
        "SELECT data_kind, first_day, last_day, reason FROM meter_gap WHERE meter_id = %s "
        "AND last_day >= %s AND first_day <= %s ORDER BY first_day", (meter_id, first, last)).fetchall()
    return [{"kind": k, "first_day": f, "last_day": la, "reason": r} for k, f, la, r in rows]


def _invoice_months(period_start: date | None, period_end: date | None, invoice_date: date | None) -> list[str]:
    if period_start and period_end:
        # a bill counts for every month its period touches; a period "to the 1st" ends the day before
        end = period_end - timedelta(days=1) if period_end.day == 1 and period_end > period_start else period_end
        return months_between(period_start, end)
    return months_between(invoice_date, invoice_date) if invoice_date else []


def account_months(conn: Any, accounts: list[tuple[str, str]], first: date, last: date, now: datetime
                   ) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """Per (supplier, account): every month of the period with its state and the invoices behind it."""
    months = months_between(first, last)
    out: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
        a: {m: {"state": MonthState.MISSING, "invoices": [], "quarantined": []} for m in months} for a in accounts}
    if not accounts:
        return out
    suppliers, ids = [a[0] for a in accounts], [a[1] for a in accounts]
    rows = conn.execute(
        """SELECT i.supplier, i.customer_account, i.invoice_number, i.status, i.invoice_date, i.raw_key,
                  min(s.period_start), max(s.period_end)
             FROM invoice i JOIN unnest(%s::text[], %s::text[]) AS a(supplier, account)
                  ON a.supplier = i.supplier AND a.account = i.customer_account
             LEFT JOIN invoice_site s ON s.supplier = i.supplier AND s.invoice_number = i.invoice_number
            GROUP BY 1, 2, 3, 4, 5, 6""", (suppliers, ids)).fetchall()
    for supplier, account, number, status, inv_date, raw_key, p_start, p_end in rows:
        for month in _invoice_months(p_start, p_end, inv_date):
            cell = out[(supplier, account)].get(month)
            if cell is not None:
                cell["invoices"].append({"number": number, "status": status, "raw_key": raw_key})
    # a quarantined invoice has no trusted billing period: it is shown in the month before its receipt
    wanted = set(accounts)
    for raw_key, reason in conn.execute(
            "SELECT raw_key, min(reason) FROM quarantine_record WHERE raw_key LIKE 'raw/source=%%/kind=invoice\\_pdf/%%' "
            "AND released_at IS NULL AND split_part(split_part(raw_key, '/', 2), '=', 2) = ANY(%s) GROUP BY raw_key",
            (sorted(set(suppliers)),)).fetchall():
        parts = dict(p.split("=", 1) for p in raw_key.split("/")[1:5] if "=" in p)
        try:
            received = date.fromisoformat(parts.get("received", ""))
        except ValueError:
            continue
        cell = out.get((parts.get("source", ""), parts.get("account", "")), {}).get(
            (received.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))
        if (parts.get("source"), parts.get("account")) in wanted and cell is not None:
            cell["quarantined"].append({"raw_key": raw_key, "reason": reason})
    today = now.date()
    for cells in out.values():
        for month, cell in cells.items():
            statuses = {i["status"] for i in cell["invoices"]}
            year, mon = int(month[:4]), int(month[5:])
            month_end = date(year + (mon == 12), 1 if mon == 12 else mon + 1, 1) - timedelta(days=1)
            if "ok" in statuses:
                cell["state"] = MonthState.PRESENT
            elif statuses & set(PROBLEM_INVOICE):
                cell["state"] = MonthState.NEEDS_REVIEW
            elif cell["quarantined"]:
                cell["state"] = MonthState.QUARANTINED
            elif today <= month_end + timedelta(days=INVOICE_DUE_DAYS):
                cell["state"] = MonthState.NOT_DUE
    return out


def account_summaries(conn: Any, accounts: list[AccountNode], filters: Filters, now: datetime) -> None:
    """Fill each account's count of months by state."""
    months = account_months(conn, [(a.supplier, a.account_id) for a in accounts], filters.first, filters.last, now)
    for account in accounts:
        account.summary = Counter(c["state"] for c in months[(account.supplier, account.account_id)].values())


@dataclass
class MeterSeries:
    """What the meter page plots: the load curve, daily energy, daily max power, subscribed power."""

    meter_id: str
    curve: list[tuple[datetime, float]]
    daily_energy: list[tuple[date, float]]
    max_power: list[tuple[date, float]]
    subscribed_kva: float | None


def meter_series(conn: Any, meter_id: str, first: date, last: date) -> MeterSeries:
    """The meter's withdrawal series over the Paris days [first, last]."""
    bounds = {"id": meter_id, "first": first, "last": last}
    curve = conn.execute(
        """SELECT interval_end, power_w FROM load_curve WHERE meter_id = %(id)s AND direction = 'CONS'
              AND interval_end > (%(first)s::date::timestamp AT TIME ZONE 'Europe/Paris')
              AND interval_end <= ((%(last)s::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')
            ORDER BY interval_end""", bounds).fetchall()
    daily = conn.execute(
        "SELECT day, max(energy_wh) FROM daily_energy WHERE meter_id = %(id)s AND direction = 'CONS' "
        "AND day BETWEEN %(first)s AND %(last)s GROUP BY day ORDER BY day", bounds).fetchall()
    peaks = conn.execute(
        "SELECT day, max_power_va FROM max_power WHERE meter_id = %(id)s AND direction = 'CONS' "
        "AND day BETWEEN %(first)s AND %(last)s ORDER BY day", bounds).fetchall()
    contract = conn.execute(
        "SELECT max_subscribed_kva FROM meter_contract WHERE meter_id = %s AND max_subscribed_kva IS NOT NULL "
        "ORDER BY valid_at DESC NULLS LAST LIMIT 1", (meter_id,)).fetchone()
    return MeterSeries(meter_id, [(t, float(v)) for t, v in curve], [(d, float(v)) for d, v in daily],
                       [(d, float(v)) for d, v in peaks], float(contract[0]) if contract else None)


def raw_objects_of_day(conn: Any, meter_id: str, kind_name: str, day: date) -> list[str]:
    """The raw objects the warehouse rows of one meter-day came from (drill-down)."""
    kind = METER_KINDS[kind_name]
    if kind.name == "load_curve":
        sql = """SELECT DISTINCT raw_key FROM load_curve WHERE meter_id = %(id)s
                   AND interval_end > (%(day)s::date::timestamp AT TIME ZONE 'Europe/Paris')
                   AND interval_end <= ((%(day)s::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')"""
    elif kind.name == "gas_day":
        sql = "SELECT DISTINCT raw_key FROM gas_consumption WHERE pce = %(id)s " \
              "AND period_start <= %(day)s AND period_end > %(day)s"
    else:
        sql = f"SELECT DISTINCT raw_key FROM {kind.table} WHERE meter_id = %(id)s AND day = %(day)s"  # noqa: S608
    return sorted(r[0] for r in conn.execute(sql, {"id": meter_id, "day": day}).fetchall() if r[0])
