"""RawZone against the S3 API server: content addressing, metadata, never overwrite."""

from datetime import date

import pytest

from collecte.landing.raw_zone import RawZone, sha256_hex


def _land(zone: RawZone, content: bytes, received: date = date(2026, 9, 1)):
    return zone.land(content, source="nordis", kind="invoice_pdf", account="NC1", received=received,
                     ext="pdf", original_name="Facture été.pdf", origin="sftp://nordis/outgoing/x.pdf")


def test_land_is_content_addressed_and_verified(raw_zone):
    landed = _land(raw_zone, b"%PDF-1.4 one")
    assert landed.created
    assert landed.key == (f"raw/source=nordis/kind=invoice_pdf/account=NC1/received=2026-09-01/"
                          f"{sha256_hex(b'%PDF-1.4 one')}.pdf")
    assert raw_zone.get(landed.key) == b"%PDF-1.4 one"
    meta = raw_zone.metadata(landed.key)
    assert meta["origin"] == "sftp://nordis/outgoing/x.pdf"
    assert meta["sha256"] == landed.sha256


def test_same_bytes_land_once_even_another_day(raw_zone):
    first = _land(raw_zone, b"same")
    second = _land(raw_zone, b"same", received=date(2026, 9, 2))
    assert not second.created and second.key == first.key
    assert len(raw_zone.keys("raw/")) == 1


def test_unsafe_segments_are_refused(raw_zone):
    with pytest.raises(ValueError, match="account"):
        raw_zone.land(b"x", source="nordis", kind="csv", account="../etc", received=date(2026, 1, 1),
                      ext="csv", original_name="x", origin="x")


def test_raw_prefix_cannot_be_rewritten(raw_zone):
    with pytest.raises(ValueError):
        raw_zone.put("raw/source=x/y", b"z")
