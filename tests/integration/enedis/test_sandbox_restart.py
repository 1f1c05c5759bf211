"""The Enedis sandbox remembers its orders across a restart (`--state-file`), as Enedis does: a second
`make demo` on the same `.local` finds the subscriptions, curve activations, order numbers and flow
sequence numbers the first one left."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from collecte.sources.enedis.sge import Consent, SgeClient
from sandbox.enedis import meters
from sandbox.services.common import free_port

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
REPO = Path(__file__).resolve().parents[3]


def _start(port: int, tmp_path: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.enedis", "--port", str(port), "--sftp-dir", str(tmp_path / "m023"),
         "--state-file", str(tmp_path / "state.json"), "--flows-interval", "0.5", "--flows-backfill-days", "2"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"sandbox did not start: {process.stdout.read() if process.stdout else ''}")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)  # what `make stop` sends
    process.wait(timeout=20)


def _flow_files(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "flows").glob("ENEDIS_R*.zip"))


def test_orders_and_flow_numbers_survive_a_restart(tmp_path):
    port = free_port()
    prm = meters.NORMAL
    first = datetime.now(ZoneInfo("Europe/Paris")).date()  # the sandbox runs on the real clock here
    process = _start(port, tmp_path)
    try:
        with SgeClient(f"http://127.0.0.1:{port}") as sge:
            order = sge.subscribe(prm, kind="CDC", first=first, last=first + timedelta(days=300),
                                  consent=Consent(company="Ville de Lyon"), step="PT30M")
        deadline = time.monotonic() + 20
        while not _flow_files(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.2)
        before = _flow_files(tmp_path)
    finally:
        _stop(process)
    assert before, "no R50 file delivered before the restart"
    assert (tmp_path / "state.json").exists()

    process = _start(port, tmp_path)
    try:
        with SgeClient(f"http://127.0.0.1:{port}") as sge:
            services = sge.services(prm)
            again = sge.subscribe(meters.CURVE_NOT_ACTIVATED, kind="CDC", first=first,
                                  last=first + timedelta(days=300), consent=Consent(company="Ville de Lyon"),
                                  step="PT30M")
        time.sleep(2)  # a few delivery ticks
        after = _flow_files(tmp_path)
    finally:
        _stop(process)

    assert order["serviceSouscritId"] in {s["serviceSouscritId"] for s in services}  # still subscribed
    assert again["affaireId"] != order["affaireId"]  # order numbers are not reused
    stream = [n for n in after if f"_{order['serviceSouscritId']}_" in n]
    assert stream == [n for n in before if f"_{order['serviceSouscritId']}_" in n]  # nothing re-sent under new numbers
