"""NDJSON answers: complete answers parse; anything without its final status line is an error."""

from __future__ import annotations

import pytest

from collecte.sources.grdf.errors import ProtocolError, TruncatedStream
from collecte.sources.grdf.ndjson import read_ndjson

pytestmark = pytest.mark.timeout(10)

BODY = (b'{"id_pce":"1","energie":10}\n{"id_pce":"1","energie":11}\n'
        b'{"code_statut_traitement":"0000000000","message_retour_traitement":"ok"}\n')


def _bytewise(body: bytes) -> list[bytes]:
    return [body[i:i + 1] for i in range(len(body))]


@pytest.mark.parametrize("chunks", [[BODY], _bytewise(BODY), [BODY[:20], BODY[20:61], BODY[61:]]])
def test_complete_answer_in_any_chunking(chunks):
    answer = read_ndjson(chunks)
    assert [r["energie"] for r in answer.records] == [10, 11]
    assert answer.code == "0000000000"
    assert answer.raw == BODY


def test_status_line_without_final_newline_and_empty_answer():
    answer = read_ndjson([b'{"code_statut_traitement":"0000000000"}'])
    assert answer.records == [] and answer.code == "0000000000"


def test_missing_status_line_is_truncation_not_data():
    with pytest.raises(TruncatedStream, match="no final status line after 2 records"):
        read_ndjson([BODY.rsplit(b"\n", 2)[0] + b"\n"])


def test_cut_in_the_middle_of_a_line_is_truncation():
    with pytest.raises(TruncatedStream, match="cut in the middle"):
        read_ndjson([BODY[:45]])


def test_empty_body_is_truncation():
    with pytest.raises(TruncatedStream):
        read_ndjson([b""])


def test_failed_status_line_in_the_middle_is_a_protocol_error():
    body = b'{"code_statut_traitement":"1000000001"}\n{"id_pce":"1"}\n{"code_statut_traitement":"0000000000"}\n'
    with pytest.raises(ProtocolError, match="failed status 1000000001 followed by more data"):
        read_ndjson([body])


def test_successful_status_line_in_the_middle_is_skipped():
    # a public ADICT client reports status objects interleaved with the data
    body = b'{"id_pce":"1"}\n{"code_statut_traitement":"0000000000"}\n{"id_pce":"2"}\n{"code_statut_traitement":"0000000000"}\n'
    assert [r["id_pce"] for r in read_ndjson([body]).records] == ["1", "2"]


def test_one_object_answer_without_status_line():
    answer = read_ndjson([b'{"pce":{"id_pce":"1"},"donnees_techniques":{}}\n'], require_status=False)
    assert answer.records == [{"pce": {"id_pce": "1"}, "donnees_techniques": {}}]
    with pytest.raises(TruncatedStream, match="exactly one"):
        read_ndjson([b'{"a":1}\n{"b":2}\n'], require_status=False)
    with pytest.raises(TruncatedStream):
        read_ndjson([b'{"pce":{"id_pce":"1"},"donn'], require_status=False)

def test_garbage_line_before_the_end_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="line 1 is not JSON"):
        read_ndjson([b"<html>proxy error</html>\n" + BODY])
