"""Landing a supplier's SFTP drop: complete files into the raw zone, then archived on the server.

Order matters for "nothing is lost": a file is moved to `processed/` only after its object is
verified in S3 (RawZone.land checks size and hash); a failure between the two leaves the file in
place, and the next run lands nothing twice (content addressing) and archives it then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from collecte.config.models import RoadConfig
from collecte.landing.file_status import FileStatus, record, record_missing, sequence_numbers
from collecte.landing.raw_zone import RawZone
from collecte.sources.sftp import archive, fetch, regex_group, scan_drop, sequence_gaps

log = logging.getLogger(__name__)


@dataclass
class DropReport:
    """What one pass over a drop folder did."""

    landed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    gaps: dict[str, list[int]] = field(default_factory=dict)


AccountGate = Callable[[Iterable[str]], dict[str, str]]
"""Given account ids, the refused ones with the reason (the consent gate)."""


def land_drop(
    sftp: Any, zone: RawZone, conn: Any, *, source: str, road: RoadConfig, received: date, now: float,
    default_account: str = "default", gate: AccountGate | None = None,
) -> DropReport:
    """Land every complete file of the road's drop folder; record statuses and sequence gaps.

    Files of accounts the gate refuses stay on the server, untouched, with the reason recorded:
    they are landed by the first run after a mandate is signed.
    """
    report = DropReport()
    ready, skipped = scan_drop(sftp, road.remote_dir or ".", road.patterns,
                               min_age_seconds=road.min_age_seconds, now=now)
    statuses: list[FileStatus] = []
    accounts = {drop.name: regex_group(drop.name, road.account_regex, "account") or default_account
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
    for drop in ready:
        content = fetch(sftp, drop)
        account = accounts[drop.name]
        landed = zone.land(content, source=source, kind=drop.kind, account=account, received=received,
                           ext=drop.name.rsplit(".", 1)[-1] if "." in drop.name else "bin",
                           original_name=drop.name, origin=f"sftp://{road.conn_id}/{drop.path}")
        archive(sftp, drop, road.processed_dir, suffix=landed.sha256[:12])
        seq = regex_group(drop.name, road.sequence_regex, "seq")
        status = "landed" if landed.created else "duplicate"
        detail = None if landed.created else f"same content as {landed.key}"
        statuses.append(FileStatus(source, drop.kind, drop.name, drop.path, status,
                                   int(seq) if seq else None, landed.sha256, landed.key, detail))
        report.landed.append({"key": landed.key, "kind": drop.kind, "account": account,
                              "created": landed.created, "name": drop.name})
        log.info("sftp %s: %s -> %s (%s)", source, drop.name, landed.key, status)
    record(conn, statuses)
    if road.sequence_regex:
        for kind in road.patterns:
            gaps = sequence_gaps(sequence_numbers(conn, source, kind))
            record_missing(conn, source, kind, gaps, road.patterns[kind])
            if gaps:
                report.gaps[kind] = gaps
                log.warning("sftp %s: %s flow is missing sequence number(s) %s", source, kind, gaps)
    return report
