"""Trigger a DAG run on behalf of the signed-in user, through Airflow's own REST API.

The request carries the caller's own Airflow token, so Airflow checks that *this user* may trigger
*this DAG* (the auth manager's DAG-run permission), exactly as the Trigger button would; nothing
here widens anyone's rights. The run's Params (`from`, `to`, meters, kinds) are validated by the DAG.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from collecte.coverage.calendar import METER_KINDS

# coverage kind -> the `kinds` value of import_meter_history's Params form
HISTORY_KINDS = {"load_curve": "load_curve", "daily_energy": "daily", "max_power": "max_power", "gas_day": "daily"}


@dataclass(frozen=True)
class GapRequest:
    """What to collect: a meter's kind over days, or a supplier's account over days."""

    first: date
    last: date
    meter_id: str | None = None
    kind: str | None = None
    supplier: str | None = None

    def dag_and_conf(self) -> tuple[str, dict[str, Any]]:
        """The DAG to trigger and its Params."""
        span = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.meter_id and self.kind in METER_KINDS:
            return "import_meter_history", {"operator": METER_KINDS[self.kind].operator, "meters": [self.meter_id],
                                            "kinds": [HISTORY_KINDS[self.kind]], **span}
        if self.supplier:
            return f"collect_{self.supplier}", span
        raise ValueError("a gap names a meter and a known data kind, or a supplier")


def trigger(api_root: str, token: str, dag_id: str, conf: dict[str, Any], *, timeout: float = 20.0) -> str:
    """POST a manual run to Airflow's REST API as the caller; returns its run id, or raises with Airflow's
    answer (403 when the caller may not trigger this DAG)."""
    import httpx

    answer = httpx.post(f"{api_root.rstrip('/')}/api/v2/dags/{dag_id}/dagRuns",
                        json={"logical_date": None, "conf": conf,
                              "note": "déclenché depuis la vue de couverture collecte"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
    if answer.status_code >= 400:
        raise PermissionError(f"Airflow refused to trigger {dag_id}: HTTP {answer.status_code} {answer.text[:300]}")
    return str(answer.json()["dag_run_id"])
