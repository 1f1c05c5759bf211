"""Landing a supplier's SFTP drop: complete files into the raw zone, then archived on the server.

Order matters for "nothing is lost", file by file: the object is landed and verified in S3
(RawZone.land checks size and hash), the file's status is written and committed (`landed`, with
its raw key and run), then the file is moved to `processed/` and the move recorded. A failure at
any step leaves a status saying how far the file got, and never stops the other files: a file
that could not be landed or archived stays on the server with status `error` and its reason
(the run then ends red naming it); the next attempt lands nothing twice (content addressing),
archives what is left, and hands on every file of the run (`landed_in_run`), even those an
interrupted attempt archived.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from collecte.config.models import RoadConfig
from collecte.landing.file_status import (
    FileStatus,
    first_landed_as,
    landed_in_run,
    mark_archived,
    record,
    record_missing,
    sequence_numbers,
)
from collecte.landing.raw_zone import RawZone
from collecte.sources.sftp import archive, fetch, regex_group, scan_drop, sequence_gaps

log = logging.getLogger(__name__)


@dataclass
class DropReport:
    """What one pass over a drop folder did."""

    landed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    gaps: dict[str, list[int]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)


AccountGate = Callable[[Iterable[str]], dict[str, str]]
"""Given account ids, the refused ones with the reason (the consent gate)."""


def land_drop(
    sftp: Any, zone: RawZone, conn: Any, *, source: str, road: RoadConfig, received: date, now: float,
    default_account: str = "default", gate: AccountGate | None = None, run_id: str | None = None,
    account_of: Callable[[str], str | None] | None = None,
) -> DropReport:
    """Land every complete file of the road's drop folder; record statuses and sequence gaps.

    Files of accounts the gate refuses stay on the server, untouched, with the reason recorded:
    they are landed by the first run after a mandate is signed. `account_of(name)`, when given,
    names a file's account instead of the road's `account_regex` (a name that does not carry it).
    """
    report = DropReport()
    ready, skipped = scan_drop(sftp, road.remote_dir or ".", road.patterns,
                               min_age_seconds=road.min_age_seconds, now=now)
    statuses: list[FileStatus] = []
    accounts = {drop.name: (account_of(drop.name) if account_of else
                            regex_group(drop.name, road.account_regex, "account")) or default_account
                for drop in ready}
    refused = gate(sorted(set(accounts.values()))) if gate and ready else {}
    for drop in [d for d in ready if accounts[d.name] in refused]:
        reason = f"account {accounts[drop.name]}: {refused[accounts[drop.name]]}"
        log.warning("sftp %s: %s left on the server: %s", source, drop.name, reason)
        report.skipped.append({"name": drop.name, "reason": reason})
        statuses.append(FileStatus(source, drop.kind, drop.name, drop.path, "no_consent", detail=reason))
    ready = [d for d in ready if accounts[d.name] not in refused]
    for item in skipped:
        report.skipped.append({"name": item.name, "reason": item.reason})
        if item.rejected:
            log.warning("sftp %s: %r rejected: %s", source, item.name, item.reason)
            statuses.append(FileStatus(source, "unknown", item.name[:200], road.remote_dir or "", "rejected",
                                       detail=item.reason))
        else:
            log.info("sftp %s: %s left for later: %s", source, item.name, item.reason)
    record(conn, statuses)
    conn.commit()
    for drop in ready:
        ref = _land_one(sftp, zone, conn, drop, source=source, road=road, account=accounts[drop.name],
                        received=received, run_id=run_id, report=report)
        if ref is not None:
            report.landed.append(ref)
    if run_id:  # a retry: hand on what earlier attempts of this run landed (and maybe archived)
        seen = {ref["key"] for ref in report.landed}
        report.landed.extend(ref for ref in landed_in_run(conn, source, run_id) if ref["key"] not in seen)
    if road.sequence_regex:
        for kind in road.patterns:
            gaps = sequence_gaps(sequence_numbers(conn, source, kind))
            record_missing(conn, source, kind, gaps, road.patterns[kind])
            if gaps:
                report.gaps[kind] = gaps
                log.warning("sftp %s: %s flow is missing sequence number(s) %s", source, kind, gaps)
    return report


def _land_one(sftp: Any, zone: RawZone, conn: Any, drop: Any, *, source: str, road: RoadConfig, account: str,
              received: date, run_id: str | None, report: DropReport) -> dict[str, Any] | None:
    """Land, record, archive, record: one file; its failure is recorded and does not stop the others."""
    seq = regex_group(drop.name, road.sequence_regex, "seq")
    number = int(seq) if seq else None

    def status(state: str, detail: str | None, landed: Any = None) -> None:
        record(conn, [FileStatus(source, drop.kind, drop.name, drop.path, state, number,
                                 landed.sha256 if landed else None, landed.key if landed else None, detail, run_id)])
        conn.commit()

    try:
        content = fetch(sftp, drop)
    except OSError as exc:  # changed size while read, vanished: still being written, try next run
        log.warning("sftp %s: %s left for later: %s", source, drop.name, exc)
        report.skipped.append({"name": drop.name, "reason": str(exc)})
        status("waiting", str(exc))
        return None
    try:
        landed = zone.land(content, source=source, kind=drop.kind, account=account, received=received,
                           ext=drop.name.rsplit(".", 1)[-1] if "." in drop.name else "bin",
                           original_name=drop.name, origin=f"sftp://{road.conn_id}/{drop.path}")
    except Exception as exc:  # the raw zone refused it: the file stays on the server
        reason = f"not landed, left on the server: {type(exc).__name__}: {exc}"
        log.error("sftp %s: %s %s", source, drop.name, reason)
        report.errors.append({"name": drop.name, "reason": reason})
        status("error", reason[:1000])
        return None
    first = None if landed.created else first_landed_as(conn, source, landed.sha256)
    same_file = first is None or first == drop.name  # a retry of this very file is no duplicate
    state = "landed" if same_file else "duplicate"
    status(state, None if same_file else f"duplicate: same content as {first} ({landed.key})", landed)
    try:
        target = archive(sftp, drop, road.processed_dir, suffix=landed.sha256[:12])
    except Exception as exc:  # landed and recorded: the next run archives it
        reason = f"landed as {landed.key} but not archived: {type(exc).__name__}: {exc}"
        log.error("sftp %s: %s %s", source, drop.name, reason)
        report.errors.append({"name": drop.name, "reason": reason})
    else:
        mark_archived(conn, source, drop.name, target)
        conn.commit()
    log.info("sftp %s: %s -> %s (%s)", source, drop.name, landed.key, state)
    return {"key": landed.key, "kind": drop.kind, "account": account, "created": landed.created, "name": drop.name}
