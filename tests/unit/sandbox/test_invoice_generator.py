"""Sandbox invoice generator: fidelity to the sample layouts, exact truth, arithmetic, Factur-X, CLI."""

from __future__ import annotations

import io
import json
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from sandbox.invoices import SUPPLIERS, generate, generate_account_history, render
from sandbox.invoices.__main__ import main as cli_main
from sandbox.invoices.lines import vat_breakdown
from sandbox.invoices.money import ROUND_HALF_UP
from sandbox.invoices.pdfkit import font

REPO = Path(__file__).resolve().parents[3]


def _shared(*parts: str) -> Path:
    """Path under ../shared (or $COLLECTE_SHARED_DIR), or skip the test saying why."""
    base = Path(os.environ.get("COLLECTE_SHARED_DIR", REPO.parent / "shared"))
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared samples and contracts exist on the developers' machines and in CI only")
    return path


# --------------------------------------------------------------------------- fidelity to the samples
# What the samples print but the extraction does not return (customer postal address, history...).
def _powers(*groups: str) -> list[dict[str, int]]:
    out = []
    for group in groups:
        values = [int(v) for v in group.split()]
        keys = ["P", "HPH", "HCH", "HPB", "HCB"] if len(values) == 5 else ["HPH", "HCH", "HPB", "HCB"]
        out.append(dict(zip(keys, values, strict=True)))
    return out


_HISTORY = [("08/2026", 1820, False), ("07/2026", 2240, True)] + [
    (m, k, False) for m, k in [("06/2026", 1960), ("05/2026", 1960), ("04/2026", 1960), ("03/2026", 1750),
                               ("02/2026", 2100), ("01/2026", 1750), ("12/2025", 2100), ("11/2025", 1680),
                               ("10/2025", 1890), ("09/2025", 1680)]]
DECORATIONS: dict[str, dict[str, dict]] = {
    "volta": {
        "FV-2026-004016": {"customer_address": ["210 boulevard Voltaire", "37000 Tours"], "iban4": "9108",
                           "history": _HISTORY},
        "FV-2026-004037": {"customer_address": ["126 quai Victor Hugo", "72000 LE MANS"], "iban4": "6753",
                           "kind": "regularisation", "deposits": (12, 499.24)},
        "AV-2026-004088": {"customer_address": ["206 allée de Verdun", "33000 Bordeaux"],
                           "original_number": "FV-2026-004105", "original_date": "2026-05-19",
                           "reason": "erreur de tarif appliqué"},
    },
    "azur": {
        "AZ2607001065": {"customer_address": ["239 rue de la Fontaine", "30000 NÎMES"], "kind": "regularisation",
                         "powers": _powers("150 150 150 150")[0]},
        "AZ2608001038": {"customer_address": ["231 rue Jean Moulin", "84000 AVIGNON"],
                         "powers": _powers("132 132 132 132")[0]},
        "AZC2605001136": {"customer_address": ["104 allée Louis Blériot", "83000 TOULON"],
                          "original_number": "AZ2604001147", "original_date": "2026-04-11",
                          "reason": "erreur de tarif appliqué"},
    },
    "gazelec": {
        "GEP-A-26-0045183": {"customer_address": ["110 place Jean Jaurès", "79000 Niort"], "car": 3522243,
                             "frequency": "mensuelle", "original_number": "GEP-F-26-0045192",
                             "original_date": "2026-01-31", "reason": "erreur de tarif appliqué"},
        "GEP-F-26-0045054": {"customer_address": ["219 boulevard des Roses", "29200 Brest"], "car": 2529,
                             "frequency": "semestrielle", "pcs": 11.315},
        "GEP-F-26-0045103": {"customer_address": ["247 avenue des Roses", "57000 METZ"], "car": 3015,
                             "frequency": "semestrielle", "pcs": 11.284, "kind": "regularisation"},
    },
    "nordis": {
        "NRD-2026-0120053": {"customer_address": ["194 chemin de Verdun", "21000 Dijon"], "siret": "63452124518898",
                             "consumption_month": "08.2026",
                             "powers": _powers("162 168 174 180", "370 420 420 420 420")},
        "NRD-2026-0120102": {"customer_address": ["208 impasse du Commerce", "84000 AVIGNON"],
                             "siret": "12616801594844", "consumption_month": "05.2026",
                             "powers": _powers("192 216 228 240", "710 760 860 910 910", "96 96 108 132",
                                               "120 120 120 132", "204 228 250 250", "66 72 72 84",
                                               "138 138 138 174", "790 890 890 890 890", "132 132 132 132",
                                               "156 162 162 162", "96 96 96 108", "660 710 710 710 710")},
        "NRD-AV-2026-0120281": {"customer_address": ["181 route Saint-Exupéry", "76600 Le Havre"],
                                "siret": "25828730582335", "consumption_month": "09.2026",
                                "original_number": "NRD-2026-0120294", "original_date": "2026-10-08",
                                "powers": _powers("84 84 84 108", "96 96 120 120", "90 90 90 90",
                                                  "102 126 138 138")},
    },
}
SAMPLES = [(supplier, name) for supplier, names in DECORATIONS.items() for name in names]
TTF_LAYOUTS = {"azur": "DejaVuSansCondensed", "nordis": "DejaVuSans"}


def _words(pdf: bytes) -> tuple[list[tuple[int, str, float, float]], int]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = [(number, w["text"], w["x0"], w["bottom"])
                 for number, page in enumerate(doc.pages)
                 for w in page.extract_words(keep_blank_chars=True, x_tolerance=1.5)]
        return words, len(doc.pages)


@pytest.mark.parametrize(("supplier", "name"), SAMPLES)
def test_rendering_the_sample_truth_reproduces_the_sample_layout(supplier: str, name: str) -> None:
    """Every word of the sample (labels, values, headers, footers) is printed at the same place, within 1 pt."""
    sample_pdf = _shared("samples", "invoices", supplier, f"{name}.pdf")
    if supplier in TTF_LAYOUTS and font(TTF_LAYOUTS[supplier]) != TTF_LAYOUTS[supplier]:
        pytest.skip(f"the {TTF_LAYOUTS[supplier]} TrueType font is not installed (Debian: fonts-dejavu-core)")
    truth = json.loads(sample_pdf.with_suffix(".json").read_text(encoding="utf-8"))
    expected, expected_pages = _words(sample_pdf.read_bytes())
    printed, pages = _words(render(supplier, truth, DECORATIONS[supplier][name]))
    assert pages == expected_pages
    pool = list(printed)
    problems = []
    for page, text, x0, bottom in expected:
        candidates = [w for w in pool if w[0] == page and w[1] == text]
        if not candidates:
            problems.append(f"missing on page {page + 1}: {text!r}")
            continue
        best = min(candidates, key=lambda w: abs(w[2] - x0) + abs(w[3] - bottom))
        pool.remove(best)
        if abs(best[2] - x0) > 1 or abs(best[3] - bottom) > 1:
            problems.append(f"moved on page {page + 1}: {text!r} ({x0:.1f}, {bottom:.1f}) -> "
                            f"({best[2]:.1f}, {best[3]:.1f})")
    assert not problems, "\n".join(problems[:20])
    assert not pool, f"extra words: {pool[:10]}"


# --------------------------------------------------------------------------- generated truths
VARIANTS = [
    {}, {"document_type": "credit_note"}, {"regularisation": True}, {"period": "2025-03"},
    {"period": "2026-01", "document_type": "invoice"},
]


def _variants(supplier: str) -> list[dict]:
    extra = {"volta": [{"tariff_option": "BASE"}, {"tariff_option": "HPHC"}],
             "azur": [{"tariff_option": "HPHC"}, {"tariff_option": "4P"}],
             "gazelec": [{"tariff_option": t} for t in ("T1", "T2", "T3")],
             "nordis": [{"n_sites": 2}, {"n_sites": 40, "document_type": "credit_note"}, {"tariff_option": "5P"}]}
    return VARIANTS + extra[supplier]


GENERATED = [(supplier, seed, options) for supplier in SUPPLIERS
             for seed, options in enumerate(_variants(supplier))]


@pytest.fixture(scope="module")
def generated() -> dict:
    """A few invoices per supplier and variant, generated once for the module."""
    return {(supplier, seed): generate(supplier, seed, **options) for supplier, seed, options in GENERATED}


def test_generated_truths_follow_the_schema(generated: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(_shared("contracts", "invoice.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for key, invoice in generated.items():
        errors = [e.message for e in validator.iter_errors(invoice.truth)]
        assert not errors, (key, errors[:5])


def _d(value) -> Decimal:
    return Decimal(str(value))


@pytest.mark.parametrize(("supplier", "seed", "options"), GENERATED)
def test_generated_truth_arithmetic_holds(generated: dict, supplier: str, seed: int, options: dict) -> None:
    truth = generated[(supplier, seed)].truth
    credit = truth["document_type"] == "credit_note"
    vat_bases: dict[Decimal, Decimal] = {}
    for site in truth["sites"]:
        assert " " not in site["meter_id"]
        assert re.fullmatch(r"\d{14}|GI\d{6}", site["meter_id"])
        assert sum(_d(x["amount_excl_tax"]) for x in site["lines"]) == _d(site["total_excl_tax"])
        for x in site["lines"]:
            vat_bases[_d(x["vat_rate"])] = vat_bases.get(_d(x["vat_rate"]), Decimal(0)) + _d(x["amount_excl_tax"])
            if x["label"].startswith("Contribution tarifaire"):
                assert x["quantity"] is None and x["unit"] is None and x["unit_price"] is None
            else:
                amount = (_d(x["quantity"]) * _d(x["unit_price"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
                assert amount == _d(x["amount_excl_tax"]), x
                assert x["unit"] in {"kWh", "MWh", "kVA", "kvarh", "day", "month", "unit"}
            if credit:
                assert x["amount_excl_tax"] <= 0 and (x["quantity"] is None or x["quantity"] <= 0)
        if credit:
            assert site["readings"] == [] and site["consumption_kwh"] <= 0
            continue
        assert sum(r["kwh"] for r in site["readings"]) == site["consumption_kwh"]
        for r in site["readings"]:
            volume = _d(r["index_end"]) - _d(r["index_start"])
            if truth["energy"] == "gas":
                assert r["unit"] == "m3"
                assert (volume * _d(r["conversion_coefficient"])).quantize(Decimal(1), ROUND_HALF_UP) == r["kwh"]
            else:
                assert r["unit"] == "kWh" and volume == r["kwh"]
    assert sum(_d(s["total_excl_tax"]) for s in truth["sites"]) == _d(truth["total_excl_tax"])
    vat = sum((base * rate).quantize(Decimal("0.01"), ROUND_HALF_UP) for rate, base in vat_bases.items())
    assert vat == _d(truth["total_vat"])
    assert _d(truth["total_excl_tax"]) + _d(truth["total_vat"]) == _d(truth["total_incl_tax"])
    assert (truth["due_date"] is None) == credit
    if credit:
        assert truth["total_incl_tax"] < 0


@pytest.mark.parametrize(("supplier", "seed", "options"), GENERATED)
def test_generated_pdf_prints_the_truth(generated: dict, supplier: str, seed: int, options: dict) -> None:
    import pypdfium2

    invoice = generated[(supplier, seed)]
    doc = pypdfium2.PdfDocument(invoice.pdf)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in doc).replace("\u202f", " ")
    finally:
        doc.close()
    text = text.replace("\r", "")
    compact = text.replace(" ", "")
    assert invoice.truth["invoice_number"] in text
    assert invoice.filename == f"{invoice.truth['invoice_number']}.pdf"
    for site in invoice.truth["sites"]:
        assert site["meter_id"] in compact
    assert (invoice.truth["customer_name"] or "").split()[0] in text
    amounts = [invoice.truth["total_excl_tax"], invoice.truth["total_incl_tax"]]
    amounts += [x["amount_excl_tax"] for site in invoice.truth["sites"] for x in site["lines"]]
    amounts += [float(vat) for _, _, vat in vat_breakdown(invoice.truth["sites"])]  # VAT is printed per rate
    for amount in amounts:
        assert f"{amount:.2f}".replace(".", ",") in compact, amount


def test_options_are_honoured() -> None:
    customer = {"name": "Régie municipale des Sports", "address_lines": ["1 place de la Mairie", "44000 Nantes"],
                "account": "8800000001"}
    volta = generate("volta", 1, tariff_option="BASE", period="2026-03", customer=customer,
                     meter_ids=["01234567890123"], document_type="invoice")
    assert volta.truth["customer_name"] == customer["name"]
    assert volta.truth["sites"][0]["meter_id"] == "01234567890123"
    assert volta.truth["sites"][0]["tariff_option"] == "BASE"
    assert volta.truth["sites"][0]["period_end"].startswith("2026-0")
    nordis = generate("nordis", 2, n_sites=17, tariff_option="5P")
    assert len(nordis.truth["sites"]) == 17
    assert {s["tariff_option"] for s in nordis.truth["sites"]} == {"5P"}
    assert generate("gazelec", 3, tariff_option="T3").truth["sites"][0]["tariff_option"] == "T3"
    assert generate("azur", 4, document_type="credit_note").truth["document_type"] == "credit_note"
    with pytest.raises(ValueError, match="one site"):
        generate("volta", 1, n_sites=3)
    with pytest.raises(ValueError, match="2 to 40"):
        generate("nordis", 1, n_sites=41)


def test_generation_is_deterministic() -> None:
    for supplier in SUPPLIERS:
        first, again = generate(supplier, 11, facturx=True), generate(supplier, 11, facturx=True)
        assert first.pdf == again.pdf and first.truth == again.truth and first.filename == again.filename
        assert generate(supplier, 12).truth != first.truth


def test_facturx_xml_carries_the_truth_totals() -> None:
    from facturx import get_xml_from_pdf
    from lxml import etree

    ram = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
    for supplier in SUPPLIERS:
        for document_type in ("invoice", "credit_note"):
            invoice = generate(supplier, 5, facturx=True, document_type=document_type)
            name, xml = get_xml_from_pdf(invoice.pdf, check_xsd=True)
            assert name == "factur-x.xml"
            root = etree.fromstring(xml)
            summary = root.find(f".//{ram}SpecifiedTradeSettlementHeaderMonetarySummation")
            truth = invoice.truth
            assert _d(summary.findtext(f"{ram}TaxBasisTotalAmount")) == _d(truth["total_excl_tax"])
            assert _d(summary.findtext(f"{ram}TaxTotalAmount")) == _d(truth["total_vat"])
            assert _d(summary.findtext(f"{ram}GrandTotalAmount")) == _d(truth["total_incl_tax"])
            assert root.findtext(f".//{ram}ExchangedDocument/{ram}ID".replace(ram + "ExchangedDocument",
                                 "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
                                 "ExchangedDocument")) == truth["invoice_number"]
            lines = root.findall(f".//{ram}IncludedSupplyChainTradeLineItem")
            assert len(lines) == sum(len(s["lines"]) for s in truth["sites"])
            # The delivery point: per line (EXTENDED) for multi-site invoices, in the header otherwise.
            meters = [s["meter_id"] for s in truth["sites"] for _ in s["lines"]]
            if len(truth["sites"]) > 1:
                found = [line.findtext(f"{ram}SpecifiedLineTradeDelivery/{ram}ShipToTradeParty/{ram}ID")
                         for line in lines]
                assert found == meters
            else:
                assert root.findtext(f".//{ram}ApplicableHeaderTradeDelivery/{ram}ShipToTradeParty/{ram}ID") == meters[0]


@pytest.mark.parametrize("supplier", SUPPLIERS)
def test_account_history_is_consistent(supplier: str) -> None:
    options = {"n_sites": 3} if supplier == "nordis" else {}
    history = generate_account_history(supplier, 3, months=5, n_contracts=2, **options)
    assert history
    assert len({h.truth["customer_name"] for h in history}) == 1
    assert len({h.truth["invoice_number"] for h in history}) == len(history)
    last_index: dict[tuple[str, str], float] = {}
    last_end: dict[str, str] = {}
    for invoice in history:
        assert invoice.truth["document_type"] == "invoice"
        for site in invoice.truth["sites"]:
            if site["meter_id"] in last_end:
                assert site["period_start"] > last_end[site["meter_id"]]
            last_end[site["meter_id"]] = site["period_end"]
            for r in site["readings"]:
                key = (site["meter_id"], r["period"])
                if key in last_index:
                    assert r["index_start"] == last_index[key]
                last_index[key] = r["index_end"]
    assert len({key[0] for key in last_index}) >= 2


@pytest.mark.parametrize("supplier", SUPPLIERS)
def test_account_history_credit_notes_cancel_their_invoice(supplier: str) -> None:
    options = {"n_sites": 2} if supplier == "nordis" else {}
    history = generate_account_history(supplier, 9, months=4, credit_notes=1.0, **options)
    credits = [i for i, h in enumerate(history) if h.truth["document_type"] == "credit_note"]
    assert credits
    for i in credits:
        invoice, credit = history[i - 1].truth, history[i].truth
        assert credit["total_incl_tax"] == -invoice["total_incl_tax"] and credit["due_date"] is None
        assert credit["invoice_date"] > invoice["invoice_date"]
        assert [s["meter_id"] for s in credit["sites"]] == [s["meter_id"] for s in invoice["sites"]]
        assert all(s["readings"] == [] for s in credit["sites"])
        with pdfplumber.open(io.BytesIO(history[i].pdf)) as doc:
            assert invoice["invoice_number"] in "".join(page.extract_text() or "" for page in doc.pages)


def test_cli_writes_pdf_and_json_pairs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli_main(["--supplier", "volta", "--count", "3", "--seed", "1", "--out", str(tmp_path)]) == 0
    pdfs, jsons = sorted(tmp_path.glob("*.pdf")), sorted(tmp_path.glob("*.json"))
    assert len(pdfs) == 3 and [p.stem for p in pdfs] == [j.stem for j in jsons]
    assert json.loads(jsons[0].read_text(encoding="utf-8"))["supplier"] == "volta"
    assert "3 invoice(s)" in capsys.readouterr().out


def test_two_hundred_invoices_take_well_under_a_minute() -> None:
    """CPU time of this process (about 10 s on one core), so that a loaded machine does not fail the test."""
    started = time.process_time()
    for seed in range(200):
        generate(SUPPLIERS[seed % 4], 1000 + seed)
    assert time.process_time() - started < 40


def test_tax_rates_follow_the_domain_reference_and_name_their_source() -> None:
    import datetime as dt
    from decimal import Decimal

    import yaml

    from sandbox.invoices import rates

    data = yaml.safe_load(rates.RATES_FILE.read_text(encoding="utf-8"))
    assert all(table.get("source") for table in data.values())
    assert rates.accise_electricity_mwh(dt.date(2026, 2, 1), "large") == Decimal("26.58")
    assert rates.accise_electricity_mwh(dt.date(2026, 1, 31), "large") == Decimal("25.79")
    assert rates.accise_electricity_mwh(dt.date(2025, 8, 1), "pme") == Decimal("25.79")
    assert [rates.accise_gas_mwh(dt.date(*d)) for d in ((2025, 1, 1), (2025, 8, 1), (2026, 2, 1))] == [
        Decimal("17.16"), Decimal("15.43"), Decimal("16.39")]
    assert rates.cta_electricity(dt.date(2026, 1, 31)) == Decimal("0.2193")
    assert rates.cta_electricity(dt.date(2026, 2, 1)) == Decimal("0.15")
    assert rates.split(rates.CTA_ELECTRICITY, dt.date(2026, 1, 10), dt.date(2026, 2, 9)) == [
        (dt.date(2026, 1, 10), dt.date(2026, 1, 31)), (dt.date(2026, 2, 1), dt.date(2026, 2, 9))]


def test_a_period_straddling_a_rate_change_is_split() -> None:
    """A Volta period from mid-January to mid-February 2026: two CTA and two accise lines, each at its
    rate and for its part of the period (the kWh of the parts add up to the consumption)."""
    from sandbox.invoices import generate

    for seed in range(60):
        g = generate("volta", seed, period="2026-02", document_type="invoice", regularisation=False)
        site = g.truth["sites"][0]
        if site["period_start"] < "2026-02-01":
            break
    else:
        raise AssertionError("no straddling period drawn")
    cta = [x for x in site["lines"] if x["label"].startswith("Contribution tarifaire")]
    accise = [x for x in site["lines"] if x["label"].startswith("Accise")]
    assert len(cta) == 2 and "21,93" in cta[0]["label"] and "15,00" in cta[1]["label"]
    assert [x["unit_price"] for x in accise] == [0.02998, 0.03085]
    assert sum(x["quantity"] for x in accise) == site["consumption_kwh"]
