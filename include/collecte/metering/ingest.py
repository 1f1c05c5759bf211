"""Raw Enedis objects (Data Connect answers, M023 files) -> checked rows in the warehouse.

Kept for the callers that load a list of raw references directly (the M023 pick-up); the work is
the stage's (`collecte.stages.metering.load_enedis`): parse, Great Expectations check BEFORE the
load, quarantine of what fails, COPY upsert of what passes.

    counts = ingest_raw(zone, conn, refs)   # refs: [{"key", "kind", "account", ...}] from collection
"""

from __future__ import annotations

from typing import Any

from collecte.stages.metering import M023_KIND, load_enedis

__all__ = ["M023_KIND", "ingest_raw"]


def ingest_raw(zone: Any, conn: Any, refs: list[dict[str, Any]], *, objects_per_batch: int = 500,
               run_id: str | None = None, check: Any = None) -> dict[str, Any]:
    """Parse, check and load raw Enedis objects; dataset -> {"inserted", "updated", "rows"}.

    `check`: the caller's check of the staged measures (see `load_enedis`); default: the built-in one.
    """
    return load_enedis(zone, conn, refs, run_id=run_id, objects_per_batch=objects_per_batch,
                       check=check).datasets
