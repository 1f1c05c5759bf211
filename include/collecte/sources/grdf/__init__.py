"""GRDF ADICT connector (gas): access rights and consumption, contract and technical data.

Public API (used by `collect_grdf`, `telereleve` and `import_meter_history`)::

    from collecte.sources.grdf import (AdictClient, MandateFields, AccessRight, declare_access_right,
                                       access_right_state, access_rights, revoke_access_right,
                                       RevocationOutcome, send_proofs, collect_pce, KINDS)

    client = AdictClient.from_connection("grdf_adict")
    right = declare_access_right(client, pce, MandateFields(...))   # -> AccessRight ("A valider")
    right = access_right_state(client, pce)                         # -> AccessRight | None
    outcome = revoke_access_right(client, pce, conn=conn, reason="mandate expired",
                                  mandate_id=mandate.id)              # -> RevocationOutcome (recorded)
    summary = collect_pce(client, pce, start, end, ["consumption", "daily"], raw_zone, conn)

Data kinds are the consent gate's: consumption (published), daily (informative), contract,
technical.
"""

from collecte.sources.grdf.access_rights import (
    AccessRight,
    MandateFields,
    RevocationOutcome,
    access_right_state,
    access_rights,
    declare_access_right,
    revoke_access_right,
    send_proofs,
)
from collecte.sources.grdf.client import AdictClient
from collecte.sources.grdf.collect import PceSummary, collect_pce
from collecte.sources.grdf.errors import (
    AdictError,
    AuthenticationFailed,
    HistoryLimit,
    NoActiveAccessRight,
    OutOfScope,
    RequestRejected,
    TransientError,
    TruncatedStream,
)
from collecte.sources.grdf.resources import KINDS

__all__ = [
    "KINDS", "AccessRight", "AdictClient", "AdictError", "AuthenticationFailed", "HistoryLimit",
    "MandateFields", "NoActiveAccessRight", "RevocationOutcome", "OutOfScope", "PceSummary", "RequestRejected",
    "TransientError", "TruncatedStream", "access_right_state", "access_rights", "collect_pce",
    "declare_access_right", "revoke_access_right", "send_proofs",
]
