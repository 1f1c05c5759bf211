"""Opening Enedis flow archives: AES-CBC decryption, bounded unzip, the flow the name claims, the naming regex."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from collecte.metering.sge_flows import FlowFormatError
from collecte.sources.enedis.config import OperatorConfig
from collecte.sources.enedis.flows_ledger import FlowName, parse_name
from collecte.stages.sge_flows import (
    ArchiveError,
    ArchiveLimits,
    FlowCipher,
    FlowOptions,
    open_flow,
    unzip_bounded,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sge"
KEY, IV = "2b7e151628aed2a6abf7158809cf4f3c", "000102030405060708090a0b0c0d0e0f"
CIPHER = FlowCipher.from_hex(KEY, IV)


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zipped:
        for name, body in members.items():
            zipped.writestr(name, body)
    return buffer.getvalue()


def test_decrypts_what_openssl_encrypts(tmp_path):
    """The same bytes as `openssl enc -aes-128-cbc -K key -iv iv` (how consumers of these flows decrypt)."""
    plain = _zip({"R50.xml": (FIXTURES / "R50.xml").read_bytes()})
    (tmp_path / "plain.zip").write_bytes(plain)
    openssl = subprocess.run(["openssl", "enc", "-aes-128-cbc", "-K", KEY, "-iv", IV, "-in", str(tmp_path / "plain.zip")],
                             capture_output=True, check=True).stdout
    assert CIPHER.encrypt(plain) == openssl
    assert CIPHER.decrypt(openssl, "raw/a") == plain
    tables = open_flow(openssl, raw_key="raw/a", kind="sge_r50", cipher=CIPHER)
    rows = tables["load_curve"].to_pylist()
    assert [r["power_w"] for r in rows] == [476, 508, 522, 342] and {r["raw_key"] for r in rows} == {"raw/a"}


def test_wrong_key_truncated_and_not_a_zip_are_named():
    content = CIPHER.encrypt(_zip({"R50.xml": (FIXTURES / "R50.xml").read_bytes()}))
    other = FlowCipher.from_hex("ff" * 16, IV)
    with pytest.raises(ArchiveError, match=r"raw/w: cannot be decrypted with the configured flows key"):
        other.decrypt(content, "raw/w")
    with pytest.raises(ArchiveError, match=r"raw/t: encrypted archive of \d+ bytes .* truncated"):
        CIPHER.decrypt(content[:-5], "raw/t")
    with pytest.raises(ArchiveError, match="raw/z: decrypted content is not a readable zip"):
        open_flow(CIPHER.encrypt(b"PK not really a zip"), raw_key="raw/z", kind="sge_r50", cipher=CIPHER)


def test_the_key_never_shows():
    assert KEY not in repr(CIPHER) and IV not in repr(CIPHER)
    with pytest.raises(ValueError) as bad:
        FlowCipher.from_hex("zz" + KEY[2:], IV)
    assert KEY[2:] not in str(bad.value)
    with pytest.raises(ValueError, match="15 bytes"):
        FlowCipher.from_hex(KEY[:-2], IV)
    with pytest.raises(ValueError, match="no flows_aes_key"):
        FlowOptions.from_extra({"contrat_id": "1"}, SimpleNamespace(flows_max_members=1, flows_max_uncompressed_mb=1))


def test_zip_bombs_are_refused():
    many = _zip({f"f{i}.xml": b"<x/>" for i in range(5)})
    with pytest.raises(ArchiveError, match="5 members, more than 4"):
        unzip_bounded(many, "raw/m", ArchiveLimits(max_members=4))
    bomb = _zip({"R50.xml": b"0" * 5_000_000})  # ~5 KB compressed
    assert len(bomb) < 20_000
    with pytest.raises(ArchiveError, match="declares 5000000 uncompressed bytes, more than 1000000"):
        unzip_bounded(bomb, "raw/b", ArchiveLimits(max_uncompressed_bytes=1_000_000))


def test_a_zip_whose_header_lies_about_its_size_is_refused():
    bomb = bytearray(_zip({"R50.xml": b"0" * 3_000_000}))
    # the central directory claims 100 bytes: reading stops there (never 3 MB) and the CRC gives it away
    central = bomb.rfind(b"PK\x01\x02")
    bomb[central + 24:central + 28] = (100).to_bytes(4, "little")
    with pytest.raises(ArchiveError, match="raw/l: .*(inflates past|Bad CRC-32)"):
        unzip_bounded(bytes(bomb), "raw/l", ArchiveLimits(max_uncompressed_bytes=1_000_000))


def test_xml_that_is_not_the_flow_it_claims():
    content = CIPHER.encrypt(_zip({"R151.xml": (FIXTURES / "R151.xml").read_bytes()}))
    with pytest.raises(FlowFormatError, match=r"raw/c!R151.xml: not an R50 flow"):
        open_flow(content, raw_key="raw/c", kind="sge_r50", cipher=CIPHER)
    tables = open_flow(content, raw_key="raw/c", kind="sge_r151", cipher=CIPHER)
    assert tables["meter_index"].num_rows == 2 and tables["max_power"].num_rows == 1
    with pytest.raises(FlowFormatError, match="member 'notes.txt' is not an XML file"):
        open_flow(CIPHER.encrypt(_zip({"notes.txt": b"x"})), raw_key="raw/n", kind="sge_r50", cipher=CIPHER)


def test_default_naming_regex_reads_flow_stream_prm_and_number():
    regex = OperatorConfig(code="enedis").flows_name_regex
    assert parse_name("ENEDIS_R50_64697001_30001234567890_00012_20261027.zip", regex) == FlowName(
        "R50", "64697001", 12, "30001234567890")
    assert parse_name("ENEDIS_R151_64697002_30001234567890_00001_20261024.zip", regex).flow == "R151"
    for name in ("ENEDIS_R50_1_30001234567890_12_20261027.zip", "ENEDIS_R52_1_30001234567890_00001_20261027.zip",
                 "ENEDIS_M023_A1_30001234567890_20261001_20261010.csv"):
        assert parse_name(name, regex) is None


def test_another_naming_convention_is_configuration():
    """A deployment whose files are named differently sets its own regex; flow and seq are required."""
    regex = r"^ERDF_(?P<flow>R50|R151)_(?P<contract>\d+)_(?P<seq>\d+)\.zip$"
    config = OperatorConfig(code="enedis", flows_name_regex=regex)
    assert parse_name("ERDF_R151_2617347_731.zip", re.compile(config.flows_name_regex)) == FlowName("R151", "", 731)
    with pytest.raises(ValueError, match=r"needs named groups \(\?P<flow>...\) and \(\?P<seq>...\)"):
        OperatorConfig(code="enedis", flows_name_regex=r"^ERDF_(?P<flow>R50)_\d+\.zip$")


def test_rows_of_a_prm_the_consent_gate_refuses_are_not_loaded():
    """A flow file may name PRMs its file name did not: the stage asks the gate per PRM and drops refused rows."""
    content = CIPHER.encrypt(_zip({"R151.xml": (FIXTURES / "R151.xml").read_bytes()}))
    asked = []

    def gate(prms):
        asked.append(prms)
        return {"09111642617347": "no signed mandate in force"}

    refused = FlowOptions(CIPHER, gate=gate).open(content, raw_key="raw/g", kind="sge_r151")
    assert asked == [["09111642617347"]]
    assert {name: t.num_rows for name, t in refused.items()} == {"meter_index": 0, "max_power": 0}
    allowed = FlowOptions(CIPHER, gate=lambda prms: {}).open(content, raw_key="raw/g", kind="sge_r151")
    assert {name: t.num_rows for name, t in allowed.items()} == {"meter_index": 2, "max_power": 1}
