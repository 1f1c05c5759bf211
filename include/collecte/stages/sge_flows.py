"""Enedis recurring flows (R50 load curves, R151 daily indexes + max power): archive -> canonical tables.

    cipher = FlowCipher.from_hex(key_hex, iv_hex)        # the key and IV Enedis gives the third party
    tables = open_flow(content, raw_key=..., name=..., cipher=cipher, limits=ArchiveLimits())

A flow file arrives as a ZIP archive holding the XML, the archive encrypted with AES-CBC (PKCS7
padding) under a key and IV Enedis hands the third party as hex strings (what open-source consumers
of these flows do: `openssl enc -d -aes-128-cbc -K <key> -iv <iv>`). Opening one here:

1. decrypts it (a length that is not a whole number of blocks: truncated; a bad padding: wrong key
   or corrupt); the key is never logged or put in an error message;
2. unzips it within bounds (members, uncompressed bytes, read in bounded chunks whatever the
   headers claim): a zip bomb is refused with its reason;
3. parses each XML member with `collecte.metering.sge_flows`, checking it is the flow the file
   name claims.

Every refusal is an `ArchiveError` naming the raw object: the stage quarantines that file and goes on.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Any

R50_KIND = "sge_r50"
R151_KIND = "sge_r151"
FLOW_OF_KIND = {R50_KIND: "R50", R151_KIND: "R151"}
DATASETS_OF_KIND = {R50_KIND: ("load_curve",), R151_KIND: ("meter_index", "max_power")}
BLOCK = 16
log = logging.getLogger(__name__)


class ArchiveError(ValueError):
    """A flow archive that cannot be opened: the message names the raw object and the reason."""


@dataclass(frozen=True)
class ArchiveLimits:
    """How much one archive may hold once unzipped."""

    max_members: int = 16
    max_uncompressed_bytes: int = 256 * 1024 * 1024


@dataclass(frozen=True)
class FlowCipher:
    """AES-CBC key and IV of the flows (a secret: its repr shows neither)."""

    key: bytes
    iv: bytes

    @classmethod
    def from_hex(cls, key_hex: str, iv_hex: str) -> FlowCipher:
        """From the hex strings Enedis gives; a malformed key or IV is refused without echoing it."""
        try:
            key, iv = bytes.fromhex(key_hex.strip()), bytes.fromhex(iv_hex.strip())
        except (ValueError, AttributeError):
            raise ValueError("flows AES key/IV: not hex strings") from None
        if len(key) not in (16, 24, 32):
            raise ValueError(f"flows AES key: {len(key)} bytes, expected 16, 24 or 32 (AES-128/192/256)")
        if len(iv) != BLOCK:
            raise ValueError(f"flows AES IV: {len(iv)} bytes, expected 16")
        return cls(key, iv)

    def __repr__(self) -> str:
        return f"FlowCipher(AES-{len(self.key) * 8}-CBC, key=***, iv=***)"

    def encrypt(self, plain: bytes) -> bytes:
        """PKCS7-padded AES-CBC (what Enedis does; used by the sandbox and the tests)."""
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        padder = padding.PKCS7(BLOCK * 8).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.iv)).encryptor()
        return encryptor.update(padded) + encryptor.finalize()

    def decrypt(self, content: bytes, raw_key: str) -> bytes:
        """The plain archive; ArchiveError when truncated or not encrypted with this key."""
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if not content or len(content) % BLOCK:
            raise ArchiveError(f"{raw_key}: encrypted archive of {len(content)} bytes is not a whole number of "
                               f"{BLOCK}-byte AES blocks: truncated")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.iv)).decryptor()
        padded = decryptor.update(content) + decryptor.finalize()
        unpadder = padding.PKCS7(BLOCK * 8).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise ArchiveError(f"{raw_key}: cannot be decrypted with the configured flows key "
                               "(bad PKCS7 padding): encrypted with another key, or corrupt") from None


@dataclass(frozen=True)
class FlowOptions:
    """What the stage needs to open flow archives: the cipher (secret), the bounds and, optionally, the
    consent gate (PRMs -> the refused ones with the reason): a flow file can name PRMs its file name did
    not, so their rows are dropped here, never loaded."""

    cipher: FlowCipher
    limits: ArchiveLimits = ArchiveLimits()
    gate: Any = None

    def open(self, content: bytes, *, raw_key: str, kind: str) -> dict[str, Any]:
        """`open_flow`, then without the rows of PRMs the gate refuses (logged with the reason)."""
        tables = open_flow(content, raw_key=raw_key, kind=kind, cipher=self.cipher, limits=self.limits)
        if self.gate is None or not tables:
            return tables
        import pyarrow as pa
        import pyarrow.compute as pc

        meters = sorted({m for t in tables.values() for m in t.column("meter_id").to_pylist()})
        refused = self.gate(meters) if meters else {}
        for prm, reason in sorted(refused.items()):
            log.warning("%s: rows of PRM %s not loaded: %s", raw_key, prm, reason)
        if not refused:
            return tables
        keep = pa.array(sorted(set(meters) - set(refused)), pa.string())
        return {name: table.filter(pc.is_in(table.column("meter_id").cast(pa.string()), value_set=keep))
                for name, table in tables.items()}

    @classmethod
    def from_extra(cls, extra: dict[str, Any], config: Any, gate: Any = None) -> FlowOptions:
        """From a connection's extra (`flows_aes_key`, `flows_aes_iv`, hex) and the operator config's bounds."""
        key, iv = extra.get("flows_aes_key"), extra.get("flows_aes_iv")
        if not key or not iv:
            raise ValueError("the connection's extra has no flows_aes_key / flows_aes_iv (hex strings Enedis "
                             "gives for the R50/R151 archives)")
        return cls(FlowCipher.from_hex(str(key), str(iv)),
                   ArchiveLimits(config.flows_max_members, config.flows_max_uncompressed_mb * 1024 * 1024), gate)


def unzip_bounded(archive: bytes, raw_key: str, limits: ArchiveLimits) -> list[tuple[str, bytes]]:
    """(name, bytes) of each member, refusing more members or bytes than `limits` allow."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir()]
            if len(members) > limits.max_members:
                raise ArchiveError(f"{raw_key}: zip holds {len(members)} members, more than {limits.max_members}: "
                                   "refused (zip bomb?)")
            declared = sum(m.file_size for m in members)
            if declared > limits.max_uncompressed_bytes:
                raise ArchiveError(f"{raw_key}: zip declares {declared} uncompressed bytes, more than "
                                   f"{limits.max_uncompressed_bytes}: refused (zip bomb?)")
            budget = limits.max_uncompressed_bytes
            out = []
            for member in members:
                chunks, size = [], 0
                with zipped.open(member) as stream:  # headers can lie: count what really comes out
                    while chunk := stream.read(1 << 20):
                        size += len(chunk)
                        if size > budget:
                            raise ArchiveError(f"{raw_key}: {member.filename} inflates past "
                                               f"{limits.max_uncompressed_bytes} bytes: refused (zip bomb)")
                        chunks.append(chunk)
                budget -= size
                out.append((member.filename, b"".join(chunks)))
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{raw_key}: decrypted content is not a readable zip ({exc}): wrong key or corrupt "
                           "archive") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
        raise ArchiveError(f"{raw_key}: unreadable zip: {type(exc).__name__}: {exc}") from None
    if not out:
        raise ArchiveError(f"{raw_key}: empty zip")
    return out


def kind_of_key(raw_key: str) -> str:
    """The flow kind (sge_r50 / sge_r151) of a landed archive, from its raw key's `kind=` segment."""
    kind = next((s.removeprefix("kind=") for s in raw_key.split("/") if s.startswith("kind=")), "")
    if kind not in FLOW_OF_KIND:
        raise ValueError(f"{raw_key} is not an Enedis flow archive (kind {kind!r})")
    return kind


def open_flow(content: bytes, *, raw_key: str, kind: str, cipher: FlowCipher,
              limits: ArchiveLimits | None = None) -> dict[str, Any]:
    """Dataset -> canonical Arrow table of one encrypted flow archive of `kind` (sge_r50 / sge_r151).

    Raises ArchiveError (decryption, zip bounds) or FlowFormatError (an XML that is not the flow
    its name and kind claim), both naming `raw_key`.
    """
    import pyarrow as pa

    from collecte.metering.records import DATASETS
    from collecte.metering.sge_flows import FlowFormatError, parse_r50, parse_r151

    flow = FLOW_OF_KIND[kind]
    members = unzip_bounded(cipher.decrypt(content, raw_key), raw_key, limits or ArchiveLimits())
    tables: dict[str, list[Any]] = {}
    for name, body in members:
        if not name.lower().endswith(".xml"):
            raise FlowFormatError(f"{raw_key}: member {name!r} is not an XML file")
        where = f"{raw_key}!{name}"
        parsed = {"load_curve": parse_r50(body, where)} if flow == "R50" else parse_r151(body, where)
        for dataset, table in parsed.items():
            tables.setdefault(dataset, []).append(table.drop(["raw_key"]).append_column(
                "raw_key", pa.array([raw_key] * table.num_rows, pa.string())))
    return {dataset: pa.concat_tables(parts).cast(DATASETS[dataset].arrow_schema())
            for dataset, parts in tables.items()}
