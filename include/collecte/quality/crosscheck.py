"""Cross-source check: invoice kWh against the grid operator's metered kWh for the same meter and span.

For each site of an invoice (credit notes aside), the metered energy is summed over the billed days
[period_start, period_end]: electricity from `daily_energy` (CONS, one source per day, consolidated
values first), gas from GRDF's daily informative records, else its published records inside the
span. The verdict goes to `discrepancy`:
- `ok`: within tolerance (`max(abs_kwh, rel x metered)`);
- `mismatch`: beyond it (`estimated` says whether the invoice used estimated readings: then a later
  invoice with an actual reading usually corrects it);
- `incomplete_metering`: the operator's data miss some billed days (collect them, then rerun);
- `no_metering`: no operator data for the span at all.
A rerun refreshes the figures and keeps what a person recorded (`resolution`, note, who, when),
unless the verdict itself changed, which reopens it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_REL_TOLERANCE = 0.02
DEFAULT_ABS_TOLERANCE_KWH = 5.0

_SQL = """
WITH sites AS (
    SELECT s.supplier, s.invoice_number, s.meter_id, s.period_start, s.period_end,
           s.consumption_kwh::numeric AS invoice_kwh, i.energy,
           (s.period_end - s.period_start + 1) AS period_days
    FROM invoice_site s JOIN invoice i USING (supplier, invoice_number)
    WHERE i.document_type = 'invoice' AND s.period_start IS NOT NULL AND s.period_end >= s.period_start
      AND (%(supplier)s::text IS NULL OR s.supplier = %(supplier)s)
      AND (%(numbers)s::text[] IS NULL OR s.invoice_number = ANY(%(numbers)s))
),
estimated AS (
    SELECT supplier, invoice_number, meter_id, bool_or(reading_type = 'estimated') AS estimated
    FROM invoice_reading GROUP BY supplier, invoice_number, meter_id
),
elec AS (
    SELECT s.supplier, s.invoice_number, s.meter_id, count(d.day)::int AS days, sum(d.energy_wh) / 1000.0 AS kwh
    FROM sites s
    JOIN LATERAL (
        SELECT DISTINCT ON (e.day) e.day, e.energy_wh FROM daily_energy e
        WHERE e.meter_id = s.meter_id AND e.direction = 'CONS' AND e.day BETWEEN s.period_start AND s.period_end
        ORDER BY e.day, (e.quality IN ('BEST', 'definitive')) DESC, e.source
    ) d ON true
    WHERE s.energy = 'electricity'
    GROUP BY s.supplier, s.invoice_number, s.meter_id
),
gas AS (
    SELECT DISTINCT ON (s.supplier, s.invoice_number, s.meter_id)
           s.supplier, s.invoice_number, s.meter_id, g.days, g.kwh
    FROM sites s
    JOIN LATERAL (
        SELECT c.kind, sum(c.period_end - c.period_start)::int AS days, sum(c.energy_kwh) AS kwh
        FROM gas_consumption c
        WHERE c.pce = s.meter_id AND c.period_start >= s.period_start AND c.period_end <= s.period_end + 1
        GROUP BY c.kind
    ) g ON true
    WHERE s.energy = 'gas'
    ORDER BY s.supplier, s.invoice_number, s.meter_id, g.days DESC, (g.kind = 'informative') DESC
),
measured AS (
    SELECT s.*, coalesce(e.days, g.days, 0) AS metered_days, coalesce(e.kwh, g.kwh) AS metered_kwh,
           coalesce(x.estimated, false) AS estimated
    FROM sites s
    LEFT JOIN elec e USING (supplier, invoice_number, meter_id)
    LEFT JOIN gas g USING (supplier, invoice_number, meter_id)
    LEFT JOIN estimated x USING (supplier, invoice_number, meter_id)
),
verdict AS (
    SELECT m.*, m.invoice_kwh - m.metered_kwh AS difference_kwh,
           CASE WHEN m.metered_kwh > 0 THEN round(100 * (m.invoice_kwh - m.metered_kwh) / m.metered_kwh, 3) END
               AS difference_pct,
           CASE WHEN m.metered_days = 0 THEN 'no_metering'
                WHEN m.metered_days < m.period_days THEN 'incomplete_metering'
                WHEN abs(m.invoice_kwh - m.metered_kwh) <= greatest(%(abs_tol)s, %(rel_tol)s * abs(m.metered_kwh))
                    THEN 'ok'
                ELSE 'mismatch' END AS status
    FROM measured m
)
INSERT INTO discrepancy AS d (supplier, invoice_number, meter_id, period_start, period_end, energy, invoice_kwh,
    metered_kwh, metered_days, period_days, difference_kwh, difference_pct, estimated, status, detail, checked_at)
SELECT supplier, invoice_number, meter_id, period_start, period_end, energy, invoice_kwh, metered_kwh, metered_days,
       period_days, difference_kwh, difference_pct, estimated, status,
       CASE status
         WHEN 'no_metering' THEN 'no operator data for ' || period_start || '..' || period_end
         WHEN 'incomplete_metering' THEN 'operator data for ' || metered_days || ' of ' || period_days
              || ' billed days: collect the missing days, then rerun'
         WHEN 'mismatch' THEN 'invoice ' || round(invoice_kwh, 1) || ' kWh, metered ' || round(metered_kwh, 1)
              || ' kWh' || CASE WHEN estimated THEN ' (invoice on estimated readings)' ELSE '' END
         ELSE NULL END,
       now()
FROM verdict
ON CONFLICT (supplier, invoice_number, meter_id) DO UPDATE SET
    period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end, energy = EXCLUDED.energy,
    invoice_kwh = EXCLUDED.invoice_kwh, metered_kwh = EXCLUDED.metered_kwh, metered_days = EXCLUDED.metered_days,
    period_days = EXCLUDED.period_days, difference_kwh = EXCLUDED.difference_kwh,
    difference_pct = EXCLUDED.difference_pct, estimated = EXCLUDED.estimated, status = EXCLUDED.status,
    detail = EXCLUDED.detail, checked_at = EXCLUDED.checked_at,
    resolution = CASE WHEN d.status <> EXCLUDED.status THEN 'open' ELSE d.resolution END,
    resolution_note = CASE WHEN d.status <> EXCLUDED.status THEN NULL ELSE d.resolution_note END,
    resolved_by = CASE WHEN d.status <> EXCLUDED.status THEN NULL ELSE d.resolved_by END,
    resolved_at = CASE WHEN d.status <> EXCLUDED.status THEN NULL ELSE d.resolved_at END
RETURNING status
"""

NEEDED_TABLES = ("invoice", "invoice_site", "invoice_reading", "daily_energy", "gas_consumption", "discrepancy")


@dataclass
class CrosscheckReport:
    """Verdicts of one cross-check run, counted by status."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def checked(self) -> int:
        """Sites checked."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line for the task log."""
        return f"{self.checked} invoice sites cross-checked: " + ", ".join(
            f"{n} {s}" for s, n in sorted(self.counts.items()))


def crosscheck(conn: Any, *, supplier: str | None = None, invoice_numbers: Sequence[str] | None = None,
               rel_tolerance: float = DEFAULT_REL_TOLERANCE,
               abs_tolerance_kwh: float = DEFAULT_ABS_TOLERANCE_KWH) -> CrosscheckReport:
    """Compare invoice kWh with metered kWh for the selected invoices and record verdicts in `discrepancy`."""
    present = {r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_name = ANY(%s)", (list(NEEDED_TABLES),)).fetchall()}
    missing = [t for t in NEEDED_TABLES if t not in present]
    if missing:
        raise LookupError(f"cross-check needs the tables {', '.join(missing)} (their migrations have not run)")
    params = {"supplier": supplier, "numbers": list(invoice_numbers) if invoice_numbers is not None else None,
              "rel_tol": rel_tolerance, "abs_tol": abs_tolerance_kwh}
    report = CrosscheckReport()
    with conn.transaction():
        for (status,) in conn.execute(_SQL, params).fetchall():
            report.counts[status] = report.counts.get(status, 0) + 1
    return report


def resolve(conn: Any, *, supplier: str, invoice_number: str, meter_id: str, resolution: str,
            note: str | None = None, by: str | None = None) -> None:
    """Record what a person decided about a discrepancy (acknowledged, disputed, resolved)."""
    if resolution not in ("open", "acknowledged", "disputed", "resolved"):
        raise ValueError(f"resolution {resolution!r} is not one of open, acknowledged, disputed, resolved")
    with conn.transaction():
        updated = conn.execute(
            "UPDATE discrepancy SET resolution = %s, resolution_note = %s, resolved_by = %s, resolved_at = now()"
            " WHERE supplier = %s AND invoice_number = %s AND meter_id = %s",
            (resolution, note, by, supplier, invoice_number, meter_id)).rowcount
    if not updated:
        raise LookupError(f"no discrepancy for {supplier} {invoice_number} {meter_id}")
