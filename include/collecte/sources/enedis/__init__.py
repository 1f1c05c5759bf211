"""Enedis connectors: Data Connect (consent-based REST) and SGE (B2B SOAP, M023 files by SFTP).

Public API (used by collect_enedis, import_meter_history and telereleve)::

    from collecte.sources.enedis import DataConnectClient, collect_meter, load_enedis
    client = EnedisDataConnectHook("enedis_dataconnect").get_conn()         # inside a task (collecte.airflow.hooks)
    outcome = collect_meter(client, zone, prm, ["daily", "load_curve"], first, last, today=today)
    record_outcome(conn, outcome)                                            # statuses, walls, gaps
    ingest_raw(zone, conn, outcome.refs)                                     # collecte.metering.ingest
"""

from collecte.sources.enedis.collect import KindOutcome, MeterOutcome, collect_meter
from collecte.sources.enedis.config import MeterConfig, OperatorConfig, load_enedis
from collecte.sources.enedis.dataconnect import DataConnectClient
from collecte.sources.enedis.status import known_walls, record_outcome, record_refused

__all__ = ["DataConnectClient", "KindOutcome", "MeterConfig", "MeterOutcome", "OperatorConfig",
           "collect_meter", "known_walls", "load_enedis", "record_outcome", "record_refused"]
