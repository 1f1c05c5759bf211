"""Invoice versions: the same invoice content is one version; a corrected invoice is a new one.

The version is identified by the SHA-256 of the invoice's canonical JSON (sorted keys, content fields
only: where it was read from or how it was processed does not make a new version).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

# Processing metadata, not content: a re-extraction that changes only these is the same version.
NOT_CONTENT = frozenset({"raw_key", "staged_key", "status", "reasons", "source", "quarantine", "extraction"})


def canonical_invoice(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """The invoice without processing metadata."""
    return {k: v for k, v in invoice.items() if k not in NOT_CONTENT}


def canonical_json(invoice: Mapping[str, Any]) -> bytes:
    """Canonical JSON bytes (sorted keys, compact) of the invoice content."""
    import orjson

    return orjson.dumps(canonical_invoice(invoice), option=orjson.OPT_SORT_KEYS)


def content_sha256(invoice: Mapping[str, Any]) -> str:
    """Hex SHA-256 identifying this version of the invoice."""
    return hashlib.sha256(canonical_json(invoice)).hexdigest()


def idempotency_key(exporter_id: str, supplier: str, invoice_number: str, version: int, sha256: str) -> str:
    """Key the receiver deduplicates on: one per exporter and invoice version."""
    return f"{exporter_id}/{supplier}/{invoice_number}/v{version}-{sha256[:16]}"
