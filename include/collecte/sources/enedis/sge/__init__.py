"""Enedis SGE: documents per the official WSDL/XSD contracts, answers and SGT codes, the client.

    from collecte.sources.enedis.sge import Consent, SgeClient
"""

from collecte.sources.enedis.sge.client import SgeClient, m023_spans, measure_spans
from collecte.sources.enedis.sge.codes import meaning
from collecte.sources.enedis.sge.contracts import M023_MAX_POINTS, OPERATIONS
from collecte.sources.enedis.sge.documents import Consent, DocumentError

__all__ = ["M023_MAX_POINTS", "OPERATIONS", "Consent", "DocumentError", "SgeClient", "m023_spans", "meaning",
           "measure_spans"]
