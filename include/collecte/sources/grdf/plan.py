"""Which PCEs a run collects, for which kinds: the config's list filtered by the consent gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from collecte.sources.grdf.config import GasMeter


@dataclass
class CollectionPlan:
    """PCE -> kinds allowed, PCE -> kind -> reason refused by the gate, in config order."""

    allowed: dict[str, list[str]] = field(default_factory=dict)
    refused: dict[str, dict[str, str]] = field(default_factory=dict)

    def batches(self, size: int, first: date | None = None, last: date | None = None) -> list[dict[str, Any]]:
        """Allowed PCEs in batches of `size`, each labelled for the Airflow grid, over Paris days [first, last].

        Each batch also lists its `meters` as plan items `{id, kinds, resources}`: what the collection
        ledger resumes from and what the end of the run checks (collecte.metering.completeness).
        """
        from collecte.sources.grdf.resources import resource

        items = [{"pce": pce, "kinds": kinds} for pce, kinds in self.allowed.items()]
        out = []
        for i in range(0, len(items), size):
            chunk = items[i:i + size]
            label = chunk[0]["pce"] if len(chunk) == 1 else f"{chunk[0]['pce']}…{chunk[-1]['pce']} ({len(chunk)})"
            batch: dict[str, Any] = {"label": label, "pces": chunk,
                                     "meters": [{"id": c["pce"], "kinds": c["kinds"],
                                                 "resources": {k: [resource(k).raw_kind] for k in c["kinds"]}}
                                                for c in chunk]}
            if first is not None and last is not None:
                batch |= {"first": first.isoformat(), "last": last.isoformat()}
            out.append(batch)
        return out


def plan_collection(conn: Any, meters: Sequence[GasMeter], on: date) -> CollectionPlan:
    """Ask the consent gate, kind by kind, which of `meters` may be collected on `on`."""
    from collecte.consent.gate import collectable_meters

    plan = CollectionPlan()
    kinds = sorted({k for m in meters for k in m.kinds})
    decisions = {kind: collectable_meters(conn, operator="grdf", data_kind=kind, on=on,
                                          candidates=[m.id for m in meters if kind in m.kinds])
                 for kind in kinds}
    for meter in meters:
        for kind in meter.kinds:
            decision = decisions[kind]
            if meter.id in decision.allowed:
                plan.allowed.setdefault(meter.id, []).append(kind)
            else:
                plan.refused.setdefault(meter.id, {})[kind] = decision.refused.get(meter.id, "no valid mandate")
    return plan
