"""The SFTP road against OpenSSH's sshd: complete files only, archive after landing, gaps, hostile names."""

from __future__ import annotations

import base64
import time
from datetime import date
from pathlib import Path

import paramiko
import pytest

from collecte.config.models import RoadConfig
from collecte.landing.drop import land_drop
from collecte.warehouse.db import connect
from sandbox import drops

PDF = b"%PDF-1.4 sandbox invoice"


@pytest.fixture
def sftp(sshd_server):
    """A paramiko SFTP client that pins the server's host key (no auto-add)."""
    client = paramiko.SSHClient()
    key = paramiko.Ed25519Key(data=base64.b64decode(sshd_server.host_key.split()[1]))
    client.get_host_keys().add(f"[127.0.0.1]:{sshd_server.port}", "ssh-ed25519", key)
    client.connect("127.0.0.1", port=sshd_server.port, username=sshd_server.username,
                   key_filename=str(sshd_server.client_key_file), look_for_keys=False, allow_agent=False)
    yield client.open_sftp()
    client.close()


def _road(base: str) -> RoadConfig:
    return RoadConfig(type="sftp", conn_id="collecte_sftp", remote_dir=f"{base}/outgoing",
                      patterns={"invoice_pdf": "NRD_FAC_*.pdf", "consumption_csv": "NRD_CONSO_*.csv"},
                      sequence_regex=r"_(?P<seq>\d{6})\.(pdf|csv)$",
                      account_regex=r"^NRD_(FAC|CONSO)_(?P<account>[A-Z0-9]+)_", min_age_seconds=30)


def _drop(folder: Path, name: str, content: bytes, age: int = 3600) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    drops._aged(path, age)
    return path


def _statuses(pg_url: str) -> dict[str, str]:
    with connect(pg_url) as conn:
        return dict(conn.execute("SELECT file_name, status FROM file_status").fetchall())


def test_complete_files_land_then_move_to_processed(sftp, sftp_root, raw_zone, pg_url):
    out = sftp_root / "outgoing"
    _drop(out, "NRD_FAC_NC1_202608_000001.pdf", PDF)
    _drop(out, "NRD_CONSO_NC1_202608_000001.csv", b"PDL;Site\n")
    with connect(pg_url) as conn:
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=_road(sftp_root.name),
                           received=date(2026, 9, 1), now=time.time())
    assert sorted(r["kind"] for r in report.landed) == ["consumption_csv", "invoice_pdf"]
    pdf_ref = next(r for r in report.landed if r["kind"] == "invoice_pdf")
    assert raw_zone.get(pdf_ref["key"]) == PDF
    assert pdf_ref["account"] == "NC1"
    assert "/account=NC1/" in pdf_ref["key"]
    assert sorted(p.name for p in out.iterdir()) == ["processed"]
    assert (out / "processed" / "NRD_FAC_NC1_202608_000001.pdf").read_bytes() == PDF
    assert set(_statuses(pg_url).values()) == {"landed"}


def test_partial_and_growing_files_wait(sftp, sftp_root, raw_zone, pg_url):
    out = sftp_root / "outgoing"
    out.mkdir()
    drops.drop_partial_upload(out, "NRD_FAC_NC1_202608_000001.pdf", PDF)
    drops.drop_growing_file(out, "NRD_FAC_NC1_202609_000002.pdf", PDF)  # modified just now
    with connect(pg_url) as conn:
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=_road(sftp_root.name),
                           received=date(2026, 9, 1), now=time.time())
    assert report.landed == []
    reasons = {s["name"]: s["reason"] for s in report.skipped}
    assert "partial" in reasons["NRD_FAC_NC1_202608_000001.pdf.part"]
    assert "may still be uploading" in reasons["NRD_FAC_NC1_202609_000002.pdf"]
    assert len(list(out.iterdir())) == 2  # nothing moved, nothing deleted
    assert raw_zone.keys("raw/") == []


def test_same_file_twice_lands_once_and_is_kept(sftp, sftp_root, raw_zone, pg_url):
    out = sftp_root / "outgoing"
    _drop(out, "NRD_FAC_NC1_202608_000001.pdf", PDF)
    road = _road(sftp_root.name)
    with connect(pg_url) as conn:
        land_drop(sftp, raw_zone, conn, source="nordis", road=road, received=date(2026, 9, 1), now=time.time())
        drops.drop_again(PDF, out, "NRD_FAC_NC1_202608_000001.pdf")
        second = land_drop(sftp, raw_zone, conn, source="nordis", road=road, received=date(2026, 9, 2),
                           now=time.time())
    assert [r["created"] for r in second.landed] == [False]
    assert len(raw_zone.keys("raw/")) == 1
    assert len(list((out / "processed").iterdir())) == 2  # both copies archived, none overwritten
    assert _statuses(pg_url) == {"NRD_FAC_NC1_202608_000001.pdf": "landed"}


def test_sequence_gap_is_recorded_and_closed_when_the_file_arrives(sftp, sftp_root, raw_zone, pg_url):
    out = sftp_root / "outgoing"
    road = _road(sftp_root.name)
    for seq in (1, 2, 4):
        _drop(out, f"NRD_FAC_NC1_20260{seq}_{seq:06d}.pdf", PDF + bytes([seq]))
    with connect(pg_url) as conn:
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=road, received=date(2026, 9, 1),
                           now=time.time())
        assert report.gaps == {"invoice_pdf": [3]}
        missing = conn.execute("SELECT sequence_number, detail FROM file_status WHERE status='missing'").fetchall()
        assert missing[0][0] == 3 and "never received" in missing[0][1]
        _drop(out, "NRD_FAC_NC1_202603_000003.pdf", PDF + b"3")
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=road, received=date(2026, 9, 2),
                           now=time.time())
        assert report.gaps == {}
        assert conn.execute("SELECT count(*) FROM file_status WHERE status='missing'").fetchone()[0] == 0


def test_hostile_name_is_rejected_and_never_fetched(sftp, sftp_root, raw_zone, pg_url):
    out = sftp_root / "outgoing"
    out.mkdir()
    hostile = drops.drop_hostile_name(out)
    with connect(pg_url) as conn:
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=_road(sftp_root.name),
                           received=date(2026, 9, 1), now=time.time())
    assert report.landed == [] and raw_zone.keys("raw/") == []
    assert hostile.exists()
    assert _statuses(pg_url) == {hostile.name: "rejected"}


def test_files_of_accounts_without_mandate_stay_on_the_server(sftp, sftp_root, raw_zone, pg_url):
    out = sftp_root / "outgoing"
    _drop(out, "NRD_FAC_NC1_202608_000001.pdf", PDF)
    _drop(out, "NRD_FAC_NC2_202608_000002.pdf", PDF + b"2")
    asked: list[list[str]] = []

    def gate(accounts):
        asked.append(list(accounts))
        return {"NC2": "no valid mandate"}

    with connect(pg_url) as conn:
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=_road(sftp_root.name),
                           received=date(2026, 9, 1), now=time.time(), gate=gate)
    assert asked == [["NC1", "NC2"]]
    assert [r["account"] for r in report.landed] == ["NC1"]
    assert (out / "NRD_FAC_NC2_202608_000002.pdf").exists()
    assert _statuses(pg_url)["NRD_FAC_NC2_202608_000002.pdf"] == "no_consent"
    assert all("/account=NC1/" in k for k in raw_zone.keys("raw/"))


class _Crash(BaseException):
    """A hard stop (worker killed) in the middle of a batch: nothing catches it."""


class _FailingSftp:
    """The real SFTP client, with a failure injected into the rename (archive) of chosen files."""

    def __init__(self, sftp, fail: dict[str, BaseException]) -> None:
        self._sftp, self.fail = sftp, fail

    def __getattr__(self, name):
        return getattr(self._sftp, name)

    def rename(self, old: str, new: str) -> None:
        error = self.fail.get(old.rsplit("/", 1)[-1])
        if error is not None:
            raise error
        self._sftp.rename(old, new)


def _rows(pg_url: str) -> dict[str, tuple]:
    with connect(pg_url) as conn:
        return {r[0]: r[1:] for r in conn.execute(
            "SELECT file_name, status, raw_key IS NOT NULL, archived_path, run_id FROM file_status"
            " WHERE status <> 'missing'")}


def test_every_file_has_its_status_at_every_step_and_a_retry_finishes_the_job(sftp, sftp_root, raw_zone, pg_url):
    out = sftp_root / "outgoing"
    names = [f"NRD_FAC_NC1_2026{m:02d}_{m:06d}.pdf" for m in range(1, 6)]
    for i, name in enumerate(names):
        _drop(out, name, PDF + bytes([i]))
    road = _road(sftp_root.name)
    # attempt 1: file 2 cannot be archived (permission), the worker dies while archiving file 4
    failing = _FailingSftp(sftp, {names[1]: PermissionError("processed/ not writable"), names[3]: _Crash()})
    with connect(pg_url) as conn, pytest.raises(_Crash):
        land_drop(failing, raw_zone, conn, source="nordis", road=road, received=date(2026, 9, 1),
                  now=time.time(), run_id="run-1")
    rows = _rows(pg_url)
    archived = {p.name for p in (out / "processed").iterdir()}
    assert archived == {names[0], names[2]}
    for name in archived:  # nothing archived without its status
        status, has_key, archived_path, run_id = rows[name]
        assert (status, has_key, run_id) == ("landed", True, "run-1") and archived_path.endswith(name)
    assert rows[names[1]][:3] == ("landed", True, None) and rows[names[3]][:3] == ("landed", True, None)
    assert names[4] not in rows  # never reached: still on the server, untouched
    # attempt 2 of the same run: archives what is left and hands on all five files
    with connect(pg_url) as conn:
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=road, received=date(2026, 9, 1),
                           now=time.time(), run_id="run-1")
        from collecte.landing.file_status import failed_in_run

        assert failed_in_run(conn, "nordis", "run-1") == []
    assert sorted(r["name"] for r in report.landed) == sorted(names)
    assert len({r["key"] for r in report.landed}) == 5 == len(raw_zone.keys("raw/"))
    assert sorted(p.name for p in out.iterdir()) == ["processed"]
    assert {v[0] for v in _rows(pg_url).values()} == {"landed"}
    # a later run changes nothing
    before = _rows(pg_url)
    with connect(pg_url) as conn:
        again = land_drop(sftp, raw_zone, conn, source="nordis", road=road, received=date(2026, 9, 2),
                          now=time.time(), run_id="run-2")
    assert again.landed == [] and _rows(pg_url) == before


def test_a_file_the_raw_zone_refuses_stays_with_its_reason_and_the_others_land(sftp, sftp_root, raw_zone, pg_url):
    from collecte.landing.file_status import failed_in_run

    out = sftp_root / "outgoing"
    names = [f"NRD_FAC_NC1_2026{m:02d}_{m:06d}.pdf" for m in range(1, 4)]
    for i, name in enumerate(names):
        _drop(out, name, PDF + bytes([i]))
    real_land = raw_zone.land

    def land(content, **kwargs):
        if kwargs["original_name"] == names[1]:
            raise OSError("S3: 503 Slow Down")
        return real_land(content, **kwargs)

    raw_zone.land = land
    with connect(pg_url) as conn:
        report = land_drop(sftp, raw_zone, conn, source="nordis", road=_road(sftp_root.name),
                           received=date(2026, 9, 1), now=time.time(), run_id="run-1")
        failed = failed_in_run(conn, "nordis", "run-1")
    assert sorted(r["name"] for r in report.landed) == [names[0], names[2]]
    assert [f[0] for f in failed] == [names[1]] and "503 Slow Down" in failed[0][1]
    assert (out / names[1]).exists()
