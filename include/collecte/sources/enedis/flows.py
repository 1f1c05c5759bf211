"""Landing Enedis's recurring flows (R50 curves, R151 indexes + max power) from the SFTP drop.

    report = land_flows(sftp, zone, conn, config, received=day, now=time.time(), gate=gate, run_id=run_id)

The archives land UNCHANGED (still encrypted: decryption is the stage's job, with the key it reads
from the connection) through the SFTP drop landing (`collecte.landing.drop.land_drop`: file-age and
size-stability guards, file_status per file, archived to `processed/` once verified in S3). Which
files are flows is configuration: the globs `flows_patterns` select them, `flows_name_regex` reads
the flow code, the sequence number and, when the name carries it, the PRM (the consent gate is then
asked per PRM; files of a refused PRM stay on the server). A file the regex does not read is left on
the server and reported. Each landed file's sequence number goes to the sequence ledger
(`collecte.sources.enedis.flows_ledger`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from collecte.sources.enedis.flows_ledger import parse_name, record_received

log = logging.getLogger(__name__)


@dataclass
class FlowLanding:
    """What one pass over the flows folder did (XCom-sized)."""

    landed: list[dict[str, Any]] = field(default_factory=list)   # {"name", "key", "flow", "seq"}
    skipped: list[dict[str, str]] = field(default_factory=list)  # left for later / no consent
    unmatched: list[str] = field(default_factory=list)           # names the regex cannot read
    errors: list[dict[str, str]] = field(default_factory=list)   # not landed or not archived

    def as_dict(self) -> dict[str, Any]:
        """XCom form."""
        return {"landed": self.landed, "skipped": self.skipped, "unmatched": self.unmatched, "errors": self.errors}


class _OnlyMatching:
    """An SFTP client whose listing shows only the names the flows regex reads: the others stay put and are
    reported; temporary names (hidden, partial-upload suffix) are left for a later pass, unreported."""

    def __init__(self, sftp: Any, regex: str, unmatched: list[str]) -> None:
        self._sftp, self._regex, self._unmatched = sftp, regex, unmatched

    def listdir_attr(self, path: str = ".") -> list[Any]:
        from collecte.sources.sftp import PARTIAL_SUFFIXES

        entries = []
        for entry in self._sftp.listdir_attr(path):
            name = entry.filename
            if name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES) or _is_dir(entry):
                continue  # a file still being written (temporary name), or a folder such as processed/
            if parse_name(name, self._regex) is not None:
                entries.append(entry)
            else:
                self._unmatched.append(name)
        return entries

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sftp, name)


def _is_dir(entry: Any) -> bool:
    import stat

    return stat.S_ISDIR(entry.st_mode or 0)


def flows_road(config: Any) -> Any:
    """The SFTP road of the flow archives for the drop landing (PRM from the name as the account)."""
    from collecte.config.models import RoadConfig

    regex = config.flows_name_regex
    account = regex.replace("(?P<prm>", "(?P<account>") if "(?P<prm>" in regex else None
    return RoadConfig(type="sftp", conn_id=config.sftp_conn_id, remote_dir=config.flows_remote_dir,
                      patterns=dict(config.flows_patterns), account_regex=account,
                      min_age_seconds=config.flows_min_age_seconds)


def land_flows(sftp: Any, zone: Any, conn: Any, config: Any, *, received: date, now: float, gate: Any = None,
               run_id: str | None = None) -> FlowLanding:
    """Land the complete flow archives (unchanged) and record their sequence numbers."""
    from collecte.landing.drop import land_drop

    result = FlowLanding()
    road = flows_road(config)
    report = land_drop(_OnlyMatching(sftp, config.flows_name_regex, result.unmatched), zone, conn,
                       source="enedis", road=road, received=received, now=now, default_account="unknown",
                       gate=gate if road.account_regex else None, run_id=run_id)
    pattern = re.compile(config.flows_name_regex)
    files = []
    for item in report.landed:
        name = parse_name(item["name"], pattern)
        if name is None:  # cannot happen: the listing only showed names the regex reads
            continue
        files.append((name, item["name"], item["key"]))
        result.landed.append({"name": item["name"], "key": item["key"], "flow": name.flow, "seq": name.seq})
    record_received(conn, files, datetime.fromtimestamp(now, UTC))
    result.skipped = [dict(s) for s in report.skipped]
    result.errors = [dict(e) for e in report.errors]
    for name in result.unmatched:
        log.error("Enedis flows: flows_name_regex cannot read %s: left on the server", name)
    log.info("Enedis flows: %d archive(s) landed, %d left for later, %d unreadable name(s), %d error(s)",
             len(result.landed), len(result.skipped), len(result.unmatched), len(result.errors))
    return result
