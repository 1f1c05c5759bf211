"""Supplier consumption CSV parsing: layout from config, per-line rejects with reasons."""

from datetime import date
from decimal import Decimal

import pytest

from collecte.config.models import CsvLayout
from collecte.metering.supplier_csv import NotACsvFile, parse_consumption_csv

LAYOUT = CsvLayout(columns={"meter_id": "PDL", "site_name": "Site", "period_start": "Debut",
                            "period_end": "Fin", "time_class": "Poste", "kwh": "Consommation_kWh",
                            "invoice_number": "Facture"})
HEADER = "PDL;Site;Debut;Fin;Poste;Consommation_kWh;Facture\n"


def test_rows_become_canonical_records():
    body = HEADER + "80337726874684;École Metz;01/08/2026;31/08/2026;HPB;17 382,5;NRD-1\n"
    parsed = parse_consumption_csv(body.encode(), LAYOUT, supplier="nordis", raw_key="raw/x")
    assert parsed.rejects == []
    assert parsed.records == [("nordis", "80337726874684", date(2026, 8, 1), date(2026, 8, 31), "HPB",
                               Decimal("17382.5"), "École Metz", "NRD-1", "raw/x")]


@pytest.mark.parametrize(("line", "reason"), [
    ("8033772687468;S;01/08/2026;31/08/2026;HPB;1;F", "14-digit"),
    ("80337726874684;S;2026-08-01;31/08/2026;HPB;1;F", "do not follow"),
    ("80337726874684;S;31/08/2026;01/08/2026;HPB;1;F", "before it starts"),
    ("80337726874684;S;01/08/2026;31/08/2026;XX;1;F", "time-of-use"),
    ("80337726874684;S;01/08/2026;31/08/2026;HPB;douze;F", "not a number"),
    ("80337726874684;S", "fields"),
])
def test_bad_rows_are_rejected_with_line_and_reason(line, reason):
    body = HEADER + "80337726874684;S;01/08/2026;31/08/2026;HPH;1;F\n" + line + "\n"
    parsed = parse_consumption_csv(body.encode(), LAYOUT, supplier="nordis", raw_key="raw/x")
    assert len(parsed.records) == 1
    assert len(parsed.rejects) == 1
    assert parsed.rejects[0][0] == 3 and reason in parsed.rejects[0][1]


def test_binary_file_is_not_a_csv():
    with pytest.raises(NotACsvFile, match="binary"):
        parse_consumption_csv(b"PK\x03\x04\x00\x00", LAYOUT, supplier="nordis", raw_key="raw/x")


def test_missing_columns_are_named():
    with pytest.raises(NotACsvFile, match="Poste"):
        parse_consumption_csv(b"PDL;Site;Debut;Fin;Consommation_kWh;Facture\n", LAYOUT, supplier="n", raw_key="k")
