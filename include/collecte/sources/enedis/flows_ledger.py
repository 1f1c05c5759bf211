"""The sequence ledger of Enedis's recurring flows (table `sge_flow_sequence`, its one writer).

Each flow file carries a sequence number in its name (R50 and R151 each number their own files,
per `stream` when the name regex has that group, e.g. per subscription). A number absent between
two received ones means a file Enedis sent that never arrived, or one it failed to send:

    record_received(conn, [(FlowName, file_name, raw_key)], now)   # after landing
    overdue_gaps(conn, grace=timedelta(hours=24), now=now)       # missing, the later file waited past grace
    late_arrivals(conn, mark=True)                               # missing ones that came after all (once)
    pending_loads(conn) / mark_loaded(conn, raw_keys)            # stage references of unloaded files
    silent_subscriptions(conn, today=day, silence_days=3)        # subscribed meters no file came for

Numbers before the first one received are not counted missing (the ledger cannot know where a
sequence started); a gap is only reported once a later file has waited `grace` (files may arrive
out of order).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

KIND_OF_FLOW = {"R50": "sge_r50", "R151": "sge_r151"}
FLOW_OF_ORDER = {"ACTIVATION_COURBE": "R50", "SOUSCRIPTION_INDEX": "R151"}  # sge_order kinds (telereleve)


@dataclass(frozen=True)
class FlowName:
    """What a flow file's name says: flow code, sequence scope, number, PRM (if named)."""

    flow: str
    stream: str
    seq: int
    prm: str | None = None


@dataclass(frozen=True)
class Gap:
    """Sequence numbers of one flow and stream found missing."""

    flow: str
    stream: str
    numbers: tuple[int, ...]

    def __str__(self) -> str:
        scope = f" (stream {self.stream})" if self.stream else ""
        return f"{self.flow}{scope} missing sequence number(s) {', '.join(map(str, self.numbers))}"


def parse_name(name: str, regex: str | re.Pattern[str]) -> FlowName | None:
    """The flow, stream, sequence number and PRM of a file name, or None if it does not match."""
    match = re.search(regex, name)
    if match is None:
        return None
    groups = match.groupdict()
    if groups.get("flow") not in KIND_OF_FLOW or not (groups.get("seq") or "").isdigit():
        return None
    return FlowName(groups["flow"], groups.get("stream") or "", int(groups["seq"]), groups.get("prm"))


def record_received(conn: Any, files: Iterable[tuple[FlowName, str, str]], now: datetime) -> int:
    """Record files received (landed); a number once missing turns received and keeps `missing_since`.

    The same number landed again with other content points at the new object and is loaded again
    (loads are upserts); the same content changes nothing. Returns rows written.
    """
    changed = 0
    with conn.transaction():
        for name, file_name, raw_key in files:
            changed += conn.execute(
                """
                INSERT INTO sge_flow_sequence (flow, stream, sequence_number, status, file_name, meter_id, raw_key,
                                               received_at)
                VALUES (%s, %s, %s, 'received', %s, %s, %s, %s)
                ON CONFLICT (flow, stream, sequence_number) DO UPDATE SET
                    status = 'received', file_name = EXCLUDED.file_name, meter_id = EXCLUDED.meter_id,
                    raw_key = EXCLUDED.raw_key, received_at = COALESCE(sge_flow_sequence.received_at, EXCLUDED.received_at),
                    loaded_at = CASE WHEN sge_flow_sequence.raw_key IS DISTINCT FROM EXCLUDED.raw_key THEN NULL
                                     ELSE sge_flow_sequence.loaded_at END
                WHERE sge_flow_sequence.status <> 'received'
                   OR sge_flow_sequence.raw_key IS DISTINCT FROM EXCLUDED.raw_key
                """,
                (name.flow, name.stream, name.seq, file_name, name.prm, raw_key, now)).rowcount
    return changed


def _received(conn: Any) -> dict[tuple[str, str], dict[int, datetime]]:
    rows = conn.execute("SELECT flow, stream, sequence_number, received_at FROM sge_flow_sequence"
                        " WHERE status = 'received'").fetchall()
    seen: dict[tuple[str, str], dict[int, datetime]] = defaultdict(dict)
    for flow, stream, number, received_at in rows:
        seen[(flow, stream)][number] = received_at
    return seen


def overdue_numbers(received: dict[int, datetime], *, grace: timedelta, now: datetime) -> list[int]:
    """Numbers absent between received ones (number -> when received) whose next file came `grace` ago."""
    ordered = sorted(received)
    missing = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after - before > 1 and received[after] <= now - grace:
            missing.extend(range(before + 1, after))
    return missing


def overdue_gaps(conn: Any, *, grace: timedelta, now: datetime) -> list[Gap]:
    """Numbers missing between received ones whose next file arrived at least `grace` ago.

    Each is recorded `missing` (with the time first found); the list holds every number still
    missing, found now or on an earlier run.
    """
    with conn.transaction():
        for (flow, stream), numbers in sorted(_received(conn).items()):
            for missing in overdue_numbers(numbers, grace=grace, now=now):
                conn.execute(
                    "INSERT INTO sge_flow_sequence (flow, stream, sequence_number, status, missing_since)"
                    " VALUES (%s, %s, %s, 'missing', %s) ON CONFLICT (flow, stream, sequence_number) DO NOTHING",
                    (flow, stream, missing, now))
    rows = conn.execute("SELECT flow, stream, sequence_number FROM sge_flow_sequence WHERE status = 'missing'"
                        " ORDER BY flow, stream, sequence_number").fetchall()
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for flow, stream, number in rows:
        grouped[(flow, stream)].append(number)
    return [Gap(flow, stream, tuple(numbers)) for (flow, stream), numbers in grouped.items()]


def late_arrivals(conn: Any, *, mark: bool) -> list[tuple[str, str, int, str]]:
    """(flow, stream, number, file name) of numbers once missing that arrived since; `mark`: report once."""
    rows = conn.execute("SELECT flow, stream, sequence_number, file_name FROM sge_flow_sequence"
                        " WHERE status = 'received' AND missing_since IS NOT NULL AND late_reported_at IS NULL"
                        " ORDER BY flow, stream, sequence_number").fetchall()
    if mark and rows:
        with conn.transaction():
            conn.execute("UPDATE sge_flow_sequence SET late_reported_at = now() WHERE status = 'received'"
                         " AND missing_since IS NOT NULL AND late_reported_at IS NULL")
    return [tuple(r) for r in rows]


def silent_subscriptions(conn: Any, *, today: date, silence_days: int) -> list[tuple[str, str, date]]:
    """(PRM, flow, subscribed since) of active CDC / IDX subscriptions (`sge_order`) older than
    `silence_days` for which no file of that flow and PRM was received in the last `silence_days`.

    Only meaningful when the names carry the PRM (`prm` group): the ledger then knows each file's meter.
    """
    # a renewed subscription is the same stream: it counts from the first order of its chain (RENEWED
    # orders), not from the renewal day, or each renewal would hide a silent stream for `silence_days`
    rows = conn.execute(
        """
        WITH live AS (
            SELECT o.meter_id, o.order_kind,
                   (SELECT min(c.first_day) FROM sge_order c WHERE c.meter_id = o.meter_id
                       AND c.order_kind = o.order_kind AND c.status IN ('ACTIVE', 'RENEWED')) AS since_day
              FROM sge_order o
             WHERE o.order_kind = ANY(%(kinds)s) AND o.status = 'ACTIVE'
               AND coalesce(o.last_day, %(today)s) >= %(today)s)
        SELECT l.meter_id, l.order_kind, min(l.since_day) FROM live l
        WHERE l.since_day <= %(since)s
          AND NOT EXISTS (SELECT 1 FROM sge_flow_sequence s WHERE s.meter_id = l.meter_id AND s.status = 'received'
                          AND s.flow = CASE l.order_kind WHEN 'ACTIVATION_COURBE' THEN 'R50' ELSE 'R151' END
                          AND s.received_at >= %(since)s)
        GROUP BY l.meter_id, l.order_kind ORDER BY 1, 2
        """,
        {"kinds": list(FLOW_OF_ORDER), "since": today - timedelta(days=silence_days), "today": today}).fetchall()
    return [(meter, FLOW_OF_ORDER[kind], first) for meter, kind, first in rows]


def pending_loads(conn: Any) -> list[dict[str, Any]]:
    """Stage references of the files received but not yet loaded (or quarantined)."""
    rows = conn.execute("SELECT DISTINCT raw_key, flow, coalesce(meter_id, ''), file_name FROM sge_flow_sequence"
                        " WHERE status = 'received' AND loaded_at IS NULL AND raw_key IS NOT NULL"
                        " ORDER BY raw_key").fetchall()
    return [{"key": key, "kind": KIND_OF_FLOW[flow], "account": meter or "unknown", "name": name}
            for key, flow, meter, name in rows]


def mark_loaded(conn: Any, raw_keys: Iterable[str]) -> int:
    """The stage has checked and loaded (or quarantined) these objects."""
    keys = sorted(set(raw_keys))
    if not keys:
        return 0
    with conn.transaction():
        return conn.execute("UPDATE sge_flow_sequence SET loaded_at = now() WHERE raw_key = ANY(%s)"
                            " AND loaded_at IS NULL", (keys,)).rowcount
