"""`python -m collecte.sources.grdf fetch` against the ADICT sandbox, run as a data engineer runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sandbox.grdf import resources
from sandbox.grdf.pce_data import profile
from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

pytestmark = [pytest.mark.timeout(120)]
T2 = "21100000000001"
PARIS = ZoneInfo("Europe/Paris")


def _run(sandbox, *args: str, secret: str = DEMO_CLIENT_SECRET) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "collecte.sources.grdf", "fetch", "--base-url", sandbox.api_url,
               "--token-url", sandbox.token_url, "--client-id", DEMO_CLIENT_ID, "--client-secret", secret, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, env=os.environ.copy())


def _records(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _utc(day: date) -> str:
    return datetime.combine(day, time(6), tzinfo=PARIS).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_informative_days_with_to_inclusive(adict):
    today = adict.state.today()
    first, last = today - timedelta(days=10), today - timedelta(days=4)
    records = _records(_run(adict, "--pce", T2, "--data", "informative", "--from", first.isoformat(),
                            "--to", last.isoformat()))
    truth = resources.informative(T2, first, last + timedelta(days=1), today)
    assert len(records) == 7 == len(truth)
    for record, line in zip(records, truth, strict=True):
        day = date.fromisoformat(line["consommation"]["journee_gaziere"])
        assert record["meter_id"] == T2 and record["unit"] == "kWh"
        assert (record["start"], record["end"]) == (_utc(day), _utc(day + timedelta(days=1)))
        assert record["value"] == line["consommation"]["energie"] and isinstance(record["value"], float)
        assert record["volume_m3"] == line["consommation"]["volume_brut"]
    one = _records(_run(adict, "--pce", T2, "--data", "informative", "--from", last.isoformat(), "--to", last.isoformat()))
    assert [r["start"] for r in one] == [_utc(last)]


def test_long_informative_span_is_split_like_the_dag(adict):
    today = adict.state.today()
    first, last = today - timedelta(days=420), today - timedelta(days=2)
    records = _records(_run(adict, "--pce", T2, "--data", "informative", "--from", first.isoformat(),
                            "--to", last.isoformat()))
    assert len(records) == 419
    assert all(a["end"] == b["start"] for a, b in zip(records, records[1:], strict=False))
    calls = [c for c in adict.state.calls if c[2].endswith("donnees_consos_informatives")]
    assert len(calls) == 2, "366 days per call at most, as the DAG's windows"


def test_published_periods(adict):
    today = adict.state.today()
    first, last = today - timedelta(days=150), today - timedelta(days=1)
    records = _records(_run(adict, "--pce", T2, "--data", "published", "--from", first.isoformat(),
                            "--to", last.isoformat()))
    truth = [line["consommation"] for line in resources.published(T2, first, last + timedelta(days=1), today)]
    assert [(r["start"], r["value"], r["kind"]) for r in records] == \
        [(_utc(date.fromisoformat(c["date_debut_consommation"][:10])), float(c["energie"]), "published") for c in truth]


def test_contract_and_technical_records(adict):
    truth = profile(T2)
    (contract,) = _records(_run(adict, "--pce", T2, "--data", "contract", "--from", "2026-01-01", "--to", "2026-01-01"))
    assert contract == {"meter_id": T2, "distribution_tariff": "T2", "annual_reference_kwh": round(truth.annual_kwh),
                        "profile": "P013", "commissioning_date": truth.commissioned.isoformat()}
    (technical,) = _records(_run(adict, "--pce", T2, "--data", "technical", "--from", "2026-01-01",
                                 "--to", "2026-01-01"))
    assert technical["meter_id"] == T2 and technical["postal_code"] == truth.postal_code
    assert technical["reading_frequency"] == "1M" and technical["pitd"].startswith("GD")


@pytest.mark.parametrize(("pce", "kind", "word", "says"), [
    ("21100000000003", "published", "NO_CONSENT", "Révoquée"),
    ("21100000000004", "informative", "NO_CONSENT", "A valider"),
    ("21100000000066", "contract", "NO_CONSENT", "no GRDF access right"),
    ("21100000000077", "technical", "OUT_OF_SCOPE", "perim_donnees_techniques"),
])
def test_refusals_exit_non_zero_with_one_code_word_line(adict, pce, kind, word, says):
    adict.state.seed_right("collecte-demo", "21100000000077", "Active", perim_donnees_techniques="Faux")
    result = _run(adict, "--pce", pce, "--data", kind, "--from", "2026-10-01", "--to", "2026-10-05")
    assert result.returncode == 3 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{word}: ") and says in line


def test_wrong_secret_is_auth_failed(adict):
    result = _run(adict, "--pce", T2, "--data", "contract", "--from", "2026-10-01", "--to", "2026-10-01",
                  secret="wrong")
    assert result.returncode == 3 and result.stderr.splitlines()[-1].startswith("AUTH_FAILED: ")
