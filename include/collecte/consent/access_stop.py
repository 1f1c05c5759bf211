"""When a mandate ends, the accesses it backed at the grid operators end too (issue 11, item 13).

    queue_stop(conn, mandate_id, "revoked")          # called by mandates.revoke / expire_mandates
    outcomes = run_stops(conn, today=day, sge=sge_client, adict=adict_client)   # the DAG's task

Revocation and expiry only queue the work (one `operator_access_stop` row per mandate and meter):
a web request or the retention job must not fail because an operator is down. The
`stop_operator_access` DAG then, per row: keeps the access when another signed mandate still
covers the meter; for Enedis, stops every live subscribed service of the PRM
(RechercherServicesSouscritsMesures, then CommandeArretServiceSouscritMesures each) and marks its
`sge_order` rows STOPPED; for GRDF, revokes the live ADICT access right. The outcome (stopped,
nothing_to_stop, kept, failed with the reason) and the operator's references are recorded; a failed
row is retried by the next run, at most MAX_ATTEMPTS times. This module is the table's only writer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
OPERATORS = ("enedis", "grdf")
ENDED_STATES = ("TERMINE", "ARRETE", "RESILIE", "ANNULE")


@dataclass
class StopOutcome:
    """What happened to one meter's operator access."""

    mandate_id: str
    operator: str
    meter_id: str
    status: str                     # stopped, nothing_to_stop, kept, failed (or planned in a dry run)
    detail: str
    actions: list[dict[str, Any]] = field(default_factory=list)


def queue_stop(conn: Any, mandate_id: str, reason: str) -> int:
    """Queue the operator-side stop of every operator meter of a mandate; returns rows queued (idempotent)."""
    rows = conn.execute(
        "INSERT INTO operator_access_stop (mandate_id, operator, meter_id, reason)"
        " SELECT mandate_id, source, target_id, %s FROM mandate_scope"
        " WHERE mandate_id = %s AND target_type = 'meter' AND source = ANY(%s)"
        " ON CONFLICT (mandate_id, operator, meter_id) DO NOTHING RETURNING meter_id",
        (reason, mandate_id, list(OPERATORS))).fetchall()
    if rows:
        log.info("mandate %s %s: operator access stop queued for %d meter(s)", mandate_id, reason, len(rows))
    return len(rows)


def open_stops(conn: Any, *, limit: int = 200) -> list[tuple[str, str, str, str]]:
    """(mandate, operator, meter, reason) rows still to do, oldest first, bounded."""
    return [tuple(r) for r in conn.execute(
        "SELECT mandate_id, operator, meter_id, reason FROM operator_access_stop"
        " WHERE status IN ('pending', 'failed') AND attempts < %s ORDER BY requested_at, mandate_id, meter_id"
        " LIMIT %s", (MAX_ATTEMPTS, limit)).fetchall()]


def _still_covered(conn: Any, operator: str, meter_id: str, today: date) -> str | None:
    from collecte.consent.mandates import mandate_for_meter

    other = mandate_for_meter(conn, operator, meter_id, today)
    return other.id if other else None


def stop_enedis(sge: Any, conn: Any, prm: str) -> tuple[str, str, list[dict[str, Any]]]:
    """Stop every live subscribed service of `prm`; (status, detail, actions)."""
    live = [s for s in sge.services(prm) if str(s.get("etatCode") or "").upper() not in ENDED_STATES]
    if not live:
        return "nothing_to_stop", "no live SGE subscribed service", []
    actions = []
    for service in live:
        order = sge.stop(prm, service["serviceSouscritId"])
        actions.append({"serviceSouscritId": service["serviceSouscritId"], "type": service.get("serviceSouscritType"),
                        "stopAffaireId": order.get("affaireId")})
        conn.execute("UPDATE sge_order SET status = 'STOPPED', updated_at = now()"
                     " WHERE meter_id = %s AND service_souscrit_id = %s", (prm, service["serviceSouscritId"]))
    return "stopped", f"stopped {len(actions)} SGE subscribed service(s)", actions


def stop_grdf(adict: Any, conn: Any, pce: str, *, mandate_id: str, reason: str) -> tuple[str, str, list[dict[str, Any]]]:
    """Revoke the live ADICT access right of `pce` (grdf's revoke_access_right, which keeps its own record)."""
    from collecte.sources.grdf.access_rights import revoke_access_right

    outcome = revoke_access_right(adict, pce, conn=conn, reason=f"mandate {reason}", mandate_id=mandate_id)
    status = {"revoked": "stopped", "nothing_to_revoke": "nothing_to_stop"}.get(outcome.outcome, "failed")
    detail = outcome.message or f"GRDF access right {outcome.right_id}: {outcome.state_before} -> {outcome.state_after}"
    actions = [{"id_droit_acces": outcome.right_id, "avant": outcome.state_before, "apres": outcome.state_after}] \
        if outcome.right_id else []
    return status, detail, actions


def _record(conn: Any, outcome: StopOutcome) -> None:
    done = outcome.status != "failed"
    conn.execute(
        "UPDATE operator_access_stop SET status = %s, detail = %s, actions = actions || %s::jsonb,"
        " attempts = attempts + 1, done_at = CASE WHEN %s THEN now() END"
        " WHERE mandate_id = %s AND operator = %s AND meter_id = %s",
        (outcome.status, outcome.detail[:1000], json.dumps(outcome.actions), done, outcome.mandate_id,
         outcome.operator, outcome.meter_id))


def run_stops(conn: Any, *, today: date, sge: Any = None, adict: Any = None, dry_run: bool = False,
              limit: int = 200) -> list[StopOutcome]:
    """Work the queue (bounded by `limit`); a dry run says what it would do and changes nothing.

    `sge` (an SgeClient) and `adict` (an AdictClient) may be None when no row needs them.
    """
    outcomes = []
    for mandate_id, operator, meter_id, reason in open_stops(conn, limit=limit):
        other = _still_covered(conn, operator, meter_id, today)
        if other:
            outcome = StopOutcome(mandate_id, operator, meter_id, "kept", f"still covered by mandate {other}")
        elif dry_run:
            outcome = StopOutcome(mandate_id, operator, meter_id, "planned",
                                  "would stop SGE services" if operator == "enedis" else "would revoke ADICT right")
        else:
            try:
                if operator == "enedis":
                    status, detail, actions = stop_enedis(sge, conn, meter_id)
                else:
                    status, detail, actions = stop_grdf(adict, conn, meter_id, mandate_id=mandate_id, reason=reason)
                outcome = StopOutcome(mandate_id, operator, meter_id, status, detail, actions)
            except Exception as exc:  # noqa: BLE001 - recorded with its reason, retried next run
                code = getattr(exc, "code", None)
                outcome = StopOutcome(mandate_id, operator, meter_id, "failed",
                                      f"{type(exc).__name__}{f' {code}' if code else ''}: {exc}")
        if not dry_run:
            _record(conn, outcome)
        log.info("operator access %s %s (mandate %s): %s, %s", operator, meter_id, mandate_id, outcome.status,
                 outcome.detail)
        outcomes.append(outcome)
    return outcomes
