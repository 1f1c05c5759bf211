"""The SFTP drop landing through a TCP proxy that refuses or cuts 30 % of the SSH connections
(real OpenSSH sshd, moto S3, PostgreSQL): task attempts are repeated, as Airflow's retries would,
until the drop is landed; then every file is in the raw zone exactly once, byte for byte, archived
on the server, with one `landed` status each, recorded as archived."""

from __future__ import annotations

import time
from datetime import date

import pytest

from sandbox import drops
from tests.faults.proxy import FaultTcpProxy

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.timeout(240)]
ATTEMPTS = 8  # bounded, like a task's retries


def test_sftp_drop_lands_whole_through_cut_connections(sshd_server, sftp_root, raw_zone, pg_url):
    import paramiko

    from collecte.config.loader import load_supplier
    from collecte.export.sftp_outbox import paramiko_sftp
    from collecte.landing.drop import land_drop
    from collecte.warehouse.db import connect
    from tests.conftest import REPO

    road = load_supplier(REPO / "include" / "config" / "suppliers" / "nordis.yaml").roads[0]
    road = road.model_copy(update={"remote_dir": f"{sftp_root.name}/nordis/outgoing"})
    outgoing = sftp_root / "nordis" / "outgoing"
    files: dict[str, bytes] = {}
    failures: list[str] = []
    with FaultTcpProxy(sshd_server.port, rate=0.3, seed=51, cut_after=(0.05, 0.6)) as proxy, \
            connect(pg_url) as conn:
        for day in range(3):  # three daily runs, each finding new files on the server
            dropped = drops.drop_history(outgoing, "nordis", account_seed=11, months=2, first_sequence=1 + 2 * day,
                                         n_sites=2, last_month=f"2026-{2 * day + 2:02d}")
            files |= {p.name: p.read_bytes() for m in dropped for p in (m.pdf, m.csv) if p}
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    with paramiko_sftp("127.0.0.1", proxy.port, sshd_server.username,
                                       str(sshd_server.client_key_file), sshd_server.host_key) as sftp:
                        report = land_drop(sftp, raw_zone, conn, source="nordis", road=road,
                                           received=date(2026, 11, 30), now=time.time(), run_id=f"run-{day}")
                    if not report.errors and not list(outgoing.glob("NRD_*")):
                        break
                    failures.append(f"day {day} attempt {attempt}: {len(report.errors)} error(s)")
                except (OSError, EOFError, paramiko.SSHException) as exc:  # connection cut: the task fails
                    conn.rollback()
                    failures.append(f"day {day} attempt {attempt}: {type(exc).__name__}")
            else:
                raise AssertionError(f"day {day}: drop not landed after {ATTEMPTS} attempts: {failures}")
        statuses = {name: (status, archived is not None) for name, status, archived in conn.execute(
            "SELECT file_name, status, archived_path FROM file_status WHERE source = 'nordis'")}

    print("faults:", dict(proxy.counts), failures)
    assert proxy.counts["cut"] + proxy.counts["refused"] >= 1, "no fault was injected"
    keys = raw_zone.keys("raw/source=nordis/")
    landed = {raw_zone.metadata(k)["original-name"]: raw_zone.get(k) for k in keys}
    assert landed == files  # every file, whole, once
    assert len(keys) == len(files)
    assert statuses == {name: ("landed", True) for name in files}  # one status per file: landed, archived
    assert sorted(p.name for p in (outgoing / "processed").iterdir()) == sorted(files)  # archived on the server
