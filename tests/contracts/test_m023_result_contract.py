"""The sandbox delivers M023 curve results (R63) in the shape of the public real files.

Checked against tests/contracts/enedis_m023_model.py, written from those files, never against
collecte's parser: the connector and the stand-in cannot agree on a wrong shape.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date

import pytest

from sandbox.enedis.meters import profile
from sandbox.enedis.sge import _deliver
from sandbox.enedis.state import SandboxState
from tests.contracts import enedis_m023_model as model

PRM = "30001234567896"  # a meter recorded at once (no activation needed), 30-minute step


@pytest.mark.parametrize("fmt", ["CSV", "JSON"])
def test_result_archive_name_member_and_content_follow_the_published_shape(tmp_path, fmt):
    state = SandboxState(today=date(2026, 11, 20), sftp_dir=tmp_path)
    _deliver(state, "M0000042", [profile(PRM)], date(2026, 10, 24), date(2026, 10, 27), fmt)
    (archive,) = [p for p in tmp_path.iterdir()]
    assert model.ARCHIVE_NAME.match(archive.name), archive.name
    with zipfile.ZipFile(archive) as opened:
        (member,) = opened.namelist()
        raw = opened.read(member)
    assert model.check_member_name(archive.name, member) == []
    if fmt == "CSV":
        assert model.check_csv(raw) == []
        rows = raw.decode("utf-8-sig").splitlines()[1:]
        labels = [row.split(";")[7] for row in rows]
        assert labels.count("2026-10-25 02:30:00") == 2  # the repeated hour, twice, in time order
        assert len(rows) == 144 * 2 + 150
    else:
        document = json.loads(raw)
        assert model.check_json(document) == []
        assert document["header"]["idDemande"] == "M0000042"


def test_a_day_without_measures_has_its_stamps_with_empty_values(tmp_path):
    meter = next(profile(f"3000123456789{d}") for d in range(10) if profile(f"3000123456789{d}").gap_weekday)
    state = SandboxState(today=date(2026, 11, 20), sftp_dir=tmp_path)
    state.curve_activated[meter.prm] = date(2026, 1, 1)
    _deliver(state, "M0000043", [meter], date(2026, 10, 1), date(2026, 10, 29), "CSV")
    (archive,) = list(tmp_path.iterdir())
    with zipfile.ZipFile(archive) as opened:
        raw = opened.read(opened.namelist()[0])
    assert model.check_csv(raw) == []
    values = [row.split(";")[8] for row in raw.decode("utf-8-sig").splitlines()[1:]]
    assert "" in values and any(v for v in values)


def test_billing_result_follows_the_real_r67_shape(tmp_path):
    from sandbox.enedis.sge import _deliver_billing

    state = SandboxState(today=date(2026, 11, 20), sftp_dir=tmp_path)
    _deliver_billing(state, "M0000044", [profile("30001234567890")], date(2026, 6, 10), date(2026, 11, 20))
    (archive,) = list(tmp_path.iterdir())
    assert model.R67_ARCHIVE_NAME.match(archive.name), archive.name
    with zipfile.ZipFile(archive) as opened:
        (member,) = opened.namelist()
        document = json.loads(opened.read(member))
    assert member == archive.name[:-4] + ".json"  # R67 members are lower-case .json (electricore flux.yaml)
    assert model.check_r67(document) == []
    assert document["mesures"][0]["contexte"][0]["grandeur"][0]["calendrier"][0]["classeTemporelle"]
