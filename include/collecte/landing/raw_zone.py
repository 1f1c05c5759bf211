"""The raw zone: every collected file, unchanged, content-addressed, never overwritten.

Key layout (see docs/CONVENTIONS.md)::

    raw/source=<code>/kind=<kind>/account=<id>/received=<YYYY-MM-DD>/<sha256>.<ext>

The same bytes land once per (source, kind, account): before writing, the zone looks for an
object with the same hash under that account, whatever day it was received, so a rerun of a
past interval lands nothing new. Alongside the raw zone the same bucket holds the `staged/`
(canonical outputs), `quarantine/` (rejected input with its reason) and `debug/` (evidence of
failures: screenshots, HTML) prefixes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

_SEGMENT = re.compile(r"^[A-Za-z0-9._@-]+$")


class RawZoneError(RuntimeError):
    """A raw-zone write that could not be verified."""


@dataclass(frozen=True)
class LandedObject:
    """A raw object: where it is, what it holds, and whether this call created it."""

    key: str
    sha256: str
    size: int
    created: bool


def sha256_hex(content: bytes) -> str:
    """Hex SHA-256 of `content`."""
    return hashlib.sha256(content).hexdigest()


def _segment(name: str, value: str) -> str:
    if not value or not _SEGMENT.match(value):
        raise ValueError(f"raw zone: {name}={value!r} is not a safe key segment")
    return value


def _ascii_metadata(metadata: Mapping[str, Any]) -> dict[str, str]:
    # S3 user metadata must be ASCII: non-ASCII values (French names) are JSON-escaped.
    return {k: json.dumps(str(v))[1:-1] if not str(v).isascii() else str(v) for k, v in metadata.items()}


class RawZone:
    """Writes and reads the raw, staged, quarantine and debug prefixes of one bucket."""

    def __init__(self, client: Any, bucket: str, subject_index: Any = None) -> None:
        self.client = client
        self.bucket = bucket
        # collecte.landing.subject_index: records, before writing, whose object each key is
        self.subject_index = subject_index
        # content hash -> key, per account prefix: listed once per RawZone (one task), then kept
        # up to date by land(), so landing N files of an account costs one listing, not N.
        self._landed: dict[str, dict[str, str]] = {}

    # -- raw ---------------------------------------------------------------------------------
    @staticmethod
    def account_prefix(source: str, kind: str, account: str) -> str:
        """Prefix under which every raw object of one account and kind lives."""
        return (
            f"raw/source={_segment('source', source)}/kind={_segment('kind', kind)}/"
            f"account={_segment('account', account)}/"
        )

    def _landed_under(self, prefix: str) -> dict[str, str]:
        if prefix not in self._landed:
            self._landed[prefix] = {key.rsplit("/", 1)[-1].split(".", 1)[0]: key for key in self.keys(prefix)}
        return self._landed[prefix]

    def find(self, source: str, kind: str, account: str, sha256: str) -> str | None:
        """Key of the object with this content hash for this account, if it already landed."""
        return self._landed_under(self.account_prefix(source, kind, account)).get(sha256)

    def known_hashes(self, source: str, kind: str, account: str) -> set[str]:
        """Content hashes already landed for one account and kind."""
        return set(self._landed_under(self.account_prefix(source, kind, account)))

    def land(
        self,
        content: bytes,
        *,
        source: str,
        kind: str,
        account: str,
        received: date,
        ext: str,
        original_name: str,
        origin: str,
        extra_metadata: Mapping[str, str] | None = None,
    ) -> LandedObject:
        """Store `content` unless the same bytes already landed for this account; verify it."""
        digest = sha256_hex(content)
        existing = self.find(source, kind, account, digest)
        if existing:
            return LandedObject(existing, digest, len(content), created=False)
        ext = _segment("ext", ext.lstrip(".").lower())
        key = f"{self.account_prefix(source, kind, account)}received={received.isoformat()}/{digest}.{ext}"
        if self.subject_index is not None:
            self.subject_index.record(key, [(source, account)])
        metadata = {
            "original-name": original_name,
            "origin": origin,
            "fetched-at": datetime.now(UTC).isoformat(timespec="seconds"),
            "account": account,
            "sha256": digest,
            **(extra_metadata or {}),
        }
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=content,
            Metadata=_ascii_metadata(metadata),
            ChecksumAlgorithm="SHA256",
        )
        self.verify(key, digest, len(content))
        self._landed_under(self.account_prefix(source, kind, account))[digest] = key
        return LandedObject(key, digest, len(content), created=True)

    def verify(self, key: str, sha256: str, size: int) -> None:
        """Raise unless the stored object has the expected size and content hash."""
        head = self.client.head_object(Bucket=self.bucket, Key=key)
        if head["ContentLength"] != size or head.get("Metadata", {}).get("sha256") != sha256:
            raise RawZoneError(f"raw zone: {key} does not match what was written (size or hash)")

    # -- generic -----------------------------------------------------------------------------
    def keys(self, prefix: str) -> list[str]:
        """All keys under `prefix`, sorted."""
        paginator = self.client.get_paginator("list_objects_v2")
        found: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            found.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(found)

    def get(self, key: str) -> bytes:
        """The bytes of one object."""
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def metadata(self, key: str) -> dict[str, str]:
        """The user metadata of one object."""
        return self.client.head_object(Bucket=self.bucket, Key=key).get("Metadata", {})

    def put(self, key: str, content: bytes, *, content_type: str = "application/octet-stream",
            metadata: Mapping[str, str] | None = None, subjects: Iterable[tuple[str, str]] = ()) -> str:
        """Write a derived object (staged, quarantine, debug); derived objects may be rewritten.

        `subjects` ((source, account or meter id) pairs) index an object mixing several subjects,
        e.g. a staged batch, so that erasure finds it.
        """
        if key.startswith("raw/"):
            raise ValueError("raw objects are written by land() only")
        subjects = list(subjects)
        if subjects and self.subject_index is not None:
            self.subject_index.record(key, subjects)
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=content, ContentType=content_type,
            Metadata=_ascii_metadata(metadata or {}),
        )
        return key
