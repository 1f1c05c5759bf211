"""The flows folder's listing: names the regex reads go to the landing, others are reported, temporary ones wait."""

import stat
from types import SimpleNamespace

from collecte.sources.enedis.config import OperatorConfig
from collecte.sources.enedis.flows import _OnlyMatching, flows_road


def test_listing_shows_flows_reports_strangers_and_leaves_uploads_alone():
    names = ["ENEDIS_R50_7_30001234567890_00001_20261101.zip", ".ENEDIS_R50_7_30001234567890_00002_20261102.zip.part",
             "ENEDIS_R151_8_30001234567890_00003_20261101.zip.part", "notes.txt", "processed"]
    entries = [SimpleNamespace(filename=n, st_mode=stat.S_IFDIR if n == "processed" else stat.S_IFREG) for n in names]
    unmatched: list[str] = []
    listing = _OnlyMatching(SimpleNamespace(listdir_attr=lambda path: entries), OperatorConfig(code="enedis")
                            .flows_name_regex, unmatched)
    assert [e.filename for e in listing.listdir_attr("x")] == [names[0]]
    assert unmatched == ["notes.txt"]


def test_the_road_takes_the_account_from_the_prm_group_only_when_there_is_one():
    road = flows_road(OperatorConfig(code="enedis"))
    assert road.account_regex and "(?P<account>" in road.account_regex and road.remote_dir == "enedis/flows"
    other = OperatorConfig(code="enedis", flows_name_regex=r"^ERDF_(?P<flow>R50|R151)_(?P<seq>\d+)\.zip$")
    assert flows_road(other).account_regex is None
