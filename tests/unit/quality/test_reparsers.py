"""`reprocess_quarantine` runs registered reparsers only (issue #11.8), never an arbitrary `module:function`."""

from __future__ import annotations

import pytest

from collecte.quality.reparsers import names, reparser


class _Zone:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def get(self, key: str) -> bytes:
        return self.objects[key]


@pytest.mark.parametrize("name", ["os:system", "subprocess:run", "builtins:eval", "collecte.quality.replay:replay",
                                  "invoice_pdf:x", "INVOICE_PDF"])
def test_anything_not_registered_is_refused(name):
    with pytest.raises(ValueError, match="unknown reparser"):
        reparser(name, _Zone({}))


def test_the_dag_param_offers_only_registered_names():
    from airflow.sdk.definitions.param import ParamsDict
    from airflow.sdk.exceptions import ParamValidationError

    from collecte.dags.quality import build_reprocess_quarantine

    dag = build_reprocess_quarantine()
    assert dag.params.get_param("reparser").schema["enum"] == [None, *names()]
    for value in ("os:system", "collecte.quality.replay:replay"):
        params = ParamsDict(dag.params)
        with pytest.raises(ParamValidationError, match="is not one of"):
            params.update({"raw_key": "raw/source=x/k.pdf", "reparser": value})
            params.validate()
    ok = ParamsDict(dag.params)
    ok.update({"raw_key": "raw/source=x/k.pdf", "reparser": "invoice_pdf"})
    assert ok.validate()["reparser"] == "invoice_pdf"


def test_the_invoice_reparser_extracts_the_raw_pdf_again():
    from sandbox.invoices.api import generate

    invoice = generate("volta", seed=3)
    key = "raw/source=volta/kind=invoice/account=x/received=2026-05-05/f.pdf"
    rebuilt = reparser("invoice_pdf", _Zone({key: invoice.pdf, "raw/bad.pdf": b"%PDF-1.4 cut"}))
    (doc,) = rebuilt(key)["invoice"]
    assert doc["invoice_number"] == invoice.truth["invoice_number"]
    with pytest.raises(ValueError, match="raw/bad.pdf"):
        reparser("invoice_pdf", _Zone({"raw/bad.pdf": b"%PDF-1.4 cut"}))("raw/bad.pdf")
