"""The SFTP road: what a supplier dropped, which files are complete, fetching and archiving them.

Works on any paramiko-like SFTP client (the Airflow SFTPHook's connection in tasks, a plain
paramiko client in tests), so the same code serves the DAG and the unit tests.

The two guards against landing a file still being written are meant for every SFTP pick-up (the
supplier drops, and the SGE M023 result files through the same landing): `scan_drop` keeps only
files older than `min_age_seconds` (and no partial-upload suffix), `fetch` refuses a file whose
size changed between the listing and the end of the read.
"""

from __future__ import annotations

import fnmatch
import io
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
PARTIAL_SUFFIXES = (".part", ".tmp", ".filepart", ".partial", ".crdownload")


class SftpClient(Protocol):
    """The subset of paramiko's SFTPClient used here."""

    def listdir_attr(self, path: str = ".") -> list[Any]: ...
    def getfo(self, remotepath: str, fl: Any) -> Any: ...
    def rename(self, oldpath: str, newpath: str) -> None: ...
    def mkdir(self, path: str, mode: int = 0o777) -> None: ...
    def stat(self, path: str) -> Any: ...


@dataclass(frozen=True)
class DropFile:
    """A complete file waiting in the drop folder."""

    name: str
    path: str
    kind: str
    size: int
    mtime: int


@dataclass(frozen=True)
class SkippedFile:
    """A file left where it is, with the reason (still uploading, unsafe name, no pattern)."""

    name: str
    reason: str
    rejected: bool  # True: a name that must never be fetched; False: try again later


def kind_of(name: str, patterns: Mapping[str, str]) -> str | None:
    """The raw kind whose glob matches `name`, in config order."""
    for kind, pattern in patterns.items():
        if fnmatch.fnmatchcase(name, pattern):
            return kind
    return None


def scan_drop(
    sftp: SftpClient, remote_dir: str, patterns: Mapping[str, str], *, min_age_seconds: int, now: float,
) -> tuple[list[DropFile], list[SkippedFile]]:
    """Complete, safely named files of the drop folder matching a pattern, and what was skipped."""
    ready: list[DropFile] = []
    skipped: list[SkippedFile] = []
    for entry in sorted(sftp.listdir_attr(remote_dir), key=lambda e: e.filename):
        name = entry.filename
        if name in (".", "..") or stat.S_ISDIR(entry.st_mode or 0):
            continue
        if not SAFE_NAME.match(name) or ".." in name:
            skipped.append(SkippedFile(name, "unsafe file name (path traversal or control characters)", True))
            continue
        if name.lower().endswith(PARTIAL_SUFFIXES):
            skipped.append(SkippedFile(name, "upload in progress (partial-file suffix)", False))
            continue
        kind = kind_of(name, patterns)
        if kind is None:
            skipped.append(SkippedFile(name, "matches no configured pattern", False))
            continue
        age = now - (entry.st_mtime or 0)
        if age < min_age_seconds:
            skipped.append(SkippedFile(name, f"modified {age:.0f} s ago: may still be uploading", False))
            continue
        ready.append(DropFile(name, f"{remote_dir.rstrip('/')}/{name}", kind, entry.st_size or 0,
                              int(entry.st_mtime or 0)))
    return ready, skipped


def fetch(sftp: SftpClient, drop: DropFile) -> bytes:
    """The file's bytes; raises if the size changed while reading (a writer is still at work)."""
    buffer = io.BytesIO()
    sftp.getfo(drop.path, buffer)
    content = buffer.getvalue()
    now_size = sftp.stat(drop.path).st_size
    if len(content) != drop.size or now_size != drop.size:
        raise OSError(f"sftp: {drop.path} changed size while being read ({drop.size} -> {now_size})")
    return content


def archive(sftp: SftpClient, drop: DropFile, processed_dir: str, *, suffix: str) -> str:
    """Move a landed file into `processed_dir` (created if missing); never overwrites an archived file."""
    folder = f"{drop.path.rsplit('/', 1)[0]}/{processed_dir}"
    try:
        sftp.stat(folder)
    except FileNotFoundError:
        sftp.mkdir(folder)
    target = f"{folder}/{drop.name}"
    try:
        sftp.stat(target)
        target = f"{folder}/{drop.name}.{suffix}"  # same name dropped again: keep both
    except FileNotFoundError:
        pass
    sftp.rename(drop.path, target)
    return target


def regex_group(name: str, regex: str | None, group: str) -> str | None:
    """A named group of `regex` in `name`, or None."""
    if not regex:
        return None
    match = re.search(regex, name)
    return match.group(group) if match else None


def sequence_gaps(numbers: list[int]) -> list[int]:
    """Numbers missing between the smallest and largest seen."""
    if not numbers:
        return []
    seen = set(numbers)
    return [n for n in range(min(seen), max(seen) + 1) if n not in seen]
