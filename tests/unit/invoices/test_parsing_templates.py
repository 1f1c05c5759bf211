"""Number and date parsing, template loading and matching."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from collecte.invoices.parsing import find_dates, normalize_id, parse_number, parse_percent
from collecte.invoices.template import TEMPLATES_DIR, load_template, load_templates


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234,56 €", 1234.56),
        ("22\u202f574,48", 22574.48),
        ("25,540 MWh", 25.54),
        ("-1 636 kWh", -1636),
        ("0,18375 €/kWh", 0.18375),
        ("-3 315,81 € TTC", -3315.81),
        ("45,00 €/u", 45.0),
        ("1\u00a0234,56 €", 1234.56),  # no-break space
        ("1\u202f234\u202f567,8", 1234567.8),  # narrow no-break space
        ("1.234,56 €", 1234.56),  # dot
        ("12.345 kWh", 12345),
        ("-1.292", -1292),
        ("no number", None),
    ],
)
def test_parse_number_french(text: str, value: float | None) -> None:
    assert parse_number(text) == value
    assert type(parse_number(text)) is type(value)


@pytest.mark.parametrize("text", ["12/03/2026", "12 mars 2026", "2026-03-12", "12.03.2026", "12/03/26"])
def test_every_french_date_format_is_read_whatever_the_template_says(text: str) -> None:
    assert find_dates(f"émise le {text}", ["%d/%m/%Y"]) == [date(2026, 3, 12)]


def test_parse_number_dot_decimal() -> None:
    assert parse_number("1,234.56", ".") == 1234.56
    assert parse_number("-12.5 kWh", ".") == -12.5


def test_percent_and_ids() -> None:
    assert parse_percent("20 %") == 0.2
    assert parse_percent("5,5 %") == 0.055
    assert normalize_id("7337 6459 2405 79") == "73376459240579"


def test_dates_in_every_printed_form() -> None:
    assert find_dates("du 1er mars 2026 au 30 juin 2026", ["fr_long"]) == [
        date(2026, 3, 1),
        date(2026, 6, 30),
    ]
    assert find_dates("émise le 12 août 2026", ["fr_long"]) == [date(2026, 8, 12)]
    assert find_dates("01.08.2026 - 31.08.2026", ["%d.%m.%Y"]) == [date(2026, 8, 1), date(2026, 8, 31)]
    assert find_dates("10/07/26 au 06/08/26", ["%d/%m/%Y", "%d/%m/%y"]) == [
        date(2026, 7, 10),
        date(2026, 8, 6),
    ]
    assert find_dates("du 10/07/2026 au 06/08/2026", ["%d/%m/%Y", "%d/%m/%y"]) == [
        date(2026, 7, 10),
        date(2026, 8, 6),
    ]


def test_every_supplier_has_a_template() -> None:
    assert {t.code for t in load_templates()} == {"volta", "azur", "gazelec", "nordis"}


def test_a_broken_template_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "acme.yaml"
    bad.write_text("code: acme\nname: ACME\nenergy: electricity\n", encoding="utf-8")
    with pytest.raises(ValueError, match="acme.yaml"):
        load_template(bad)
    src = (TEMPLATES_DIR / "volta.yaml").read_text(encoding="utf-8")
    typo = tmp_path / "typo.yaml"
    typo.write_text(src.replace("'(?i)capacité'", "'(?i)(capacité'"), encoding="utf-8")
    with pytest.raises(ValueError, match="typo.yaml"):
        load_template(typo)
