"""`python -m collecte.sources.enedis fetch ...`: one meter from Data Connect, canonical JSON Lines on stdout.

    python -m collecte.sources.enedis fetch --base-url URL --client-id ID --client-secret SECRET \
        --prm PRM --data KIND --from YYYY-MM-DD --to YYYY-MM-DD

KIND: daily_consumption | load_curve | max_power | daily_production | production_load_curve | contract |
address. `--from` and `--to` are Paris days, `--to` included; the token comes from
`{base-url}/oauth2/v3/token`. The calls are made by the code the DAGs run (collect_meter: the same
splitting into calls within Enedis's limits, the same per-API rate limits, the same retries); the
answers are kept in memory instead of landing in the raw zone, then parsed by the DAGs' parser.

Time series: one record per interval, `{meter_id, start, end, value, unit, ...}` (ISO 8601 UTC; W for a
curve, Wh a day's energy, VA a day's max power). `contract`: one record `{meter_id,
subscribed_power_kva, distribution_tariff, last_activation_date, ...}`. `address`: one record.
`-v` adds the collection's logs (calls, retries) on stderr. Exit status: 0 done (warnings on stderr: history wall, days without data, points set aside), 2 refused
by Enedis (one stderr line with a code word: NO_CONSENT, NOT_SUBSCRIBED, MOVED_OUT, WRONG_DIRECTION,
CURVE_NOT_ACTIVATED, AUTHENTICATION_FAILED, REJECTED), 3 Enedis unreachable or failing.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, date, datetime
from typing import Any

import orjson

# KIND -> (collect_meter kind, direction, Data Connect resource)
KINDS: dict[str, tuple[str, str, str]] = {
    "daily_consumption": ("daily", "CONS", "consommation_quotidienne"),
    "load_curve": ("load_curve", "CONS", "courbe_de_charge_consommation"),
    "max_power": ("max_power", "CONS", "puissance_conso_max_quotidienne"),
    "daily_production": ("daily", "PROD", "production_quotidienne"),
    "production_load_curve": ("load_curve", "PROD", "courbe_de_charge_production"),
    "contract": ("contract", "CONS", ""),
    "address": ("contract", "CONS", ""),
}
CONTRACT_APIS = {"contract": ("situation_contrat_auto", "synth_contrat_auto"), "address": ("donnees_generales_auto",)}
# meter status -> the code word on stderr
WORDS = {"NO_CONSENT": "NO_CONSENT (ADAM-DC-0008)", "API_NOT_SUBSCRIBED": "NOT_SUBSCRIBED (900908)",
         "MOVED_OUT": "MOVED_OUT (ADAM-DC-0007)", "WRONG_DIRECTION": "WRONG_DIRECTION (ADAM-ERR0069)",
         "CURVE_NOT_ACTIVATED": "CURVE_NOT_ACTIVATED (ADAM-ERR0075)"}


class Refused(Exception):
    """Enedis refused: `word` is the stable code word, the exit status 2 (3 when `transient`)."""

    def __init__(self, word: str, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.word, self.transient = word, transient


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `fetch` sub-command to an argparse sub-parser set."""
    fetch = subparsers.add_parser("fetch", help="one meter from Enedis Data Connect, JSON Lines on stdout",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    fetch.add_argument("--base-url", required=True, help="API root, e.g. https://gw.ext.prod.api.enedis.fr")
    fetch.add_argument("--client-id", required=True)
    fetch.add_argument("--client-secret", required=True)
    fetch.add_argument("--prm", required=True, help="the delivery point, 14 digits")
    fetch.add_argument("--data", required=True, choices=list(KINDS))
    fetch.add_argument("--from", dest="first", type=_day, required=True, help="first Paris day")
    fetch.add_argument("--to", dest="last", type=_day, required=True, help="last Paris day, included")
    fetch.add_argument("-v", "--verbose", action="store_true", help="log calls and retries on stderr")
    fetch.set_defaults(handler=run)
    return fetch


def _emit(record: dict[str, Any]) -> None:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    sys.stdout.buffer.write(orjson.dumps(record, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME) + b"\n")


def _warn(text: str) -> None:
    print(f"enedis: {text}", file=sys.stderr)


def _check(outcome: Any, kind: str) -> None:
    """Raise Refused for a refusal; warn for what leaves the answer partial."""
    result = outcome.kinds[kind]
    if result.status in WORDS:
        raise Refused(WORDS[result.status], result.message or result.status)
    if result.status == "ERROR":
        raise Refused("UNAVAILABLE", result.message or "Enedis failing", transient=True)
    if result.status == "HISTORY_WALL":
        _warn(f"HISTORY_WALL: nothing before {result.not_before} for this meter ({result.message})")
    for first, last in result.gaps:
        _warn(f"NO_DATA: {first}..{last} (meter not communicating, or nothing measured)")


def fetch(client: Any, args: argparse.Namespace, today: date) -> list[dict[str, Any]]:
    """The canonical records of one `fetch` (raises Refused)."""
    from collecte.metering.contract import dataconnect_contract
    from collecte.metering.dataconnect import parse_measures
    from collecte.metering.records import interval_records
    from collecte.sources.enedis.collect import MemorySink, collect_meter

    kind, direction, resource = KINDS[args.data]
    sink = MemorySink()
    outcome = collect_meter(client, sink, args.prm, [kind], args.first, args.last, directions=[direction],
                            today=today, contract_resources=CONTRACT_APIS.get(args.data, ()))
    _check(outcome, kind)
    if kind != "contract":
        parsed = parse_measures((resource, key, body) for key, body in sorted(sink.bodies.items()))
        for reject in parsed.rejects:
            _warn(f"REJECTED_POINT {reject.record_ref}: {reject.reason}")
        return [r for dataset, table in parsed.items() for r in interval_records(dataset, table.to_pylist())]
    answers = {key.split("/")[1]: orjson.loads(body) for key, body in sink.bodies.items()}
    if args.data == "address":
        address = (answers.get("donnees_generales_auto") or {}).get("address") or {}
        row = dataconnect_contract(args.prm, answers, "cli", datetime.now(UTC))
        return [{"meter_id": args.prm, "address": row["address"], **address}]
    row = dataconnect_contract(args.prm, answers, "cli", datetime.now(UTC))
    injection = orjson.loads(row["injection_contract"]) if row["injection_contract"] else None
    return [{"meter_id": args.prm, "subscribed_power_kva": row["max_subscribed_kva"],
             "distribution_tariff": row["fta"], "last_activation_date": row["last_activation_date"],
             "segment": row["segment"], "injection_contract": injection}]


def run(args: argparse.Namespace) -> int:
    """Exit status: 0 done, 2 refused (a code word on stderr), 3 unreachable or failing."""
    from collecte.errors import TransientError
    from collecte.metering.paris_time import PARIS
    from collecte.sources.enedis.dataconnect import DataConnectClient
    from collecte.sources.enedis.errors import AuthenticationFailed, EnedisError

    # stderr carries one line per refusal or warning; the collection's own logs only when asked for
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.CRITICAL + 1,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.last < args.first:
        _warn(f"REJECTED: --to {args.last} is before --from {args.first}")
        return 2
    today = datetime.now(PARIS).date()
    try:
        with DataConnectClient(args.base_url, args.client_id, args.client_secret) as client:
            records = fetch(client, args, today)
    except Refused as exc:
        _warn(f"{exc.word}: {exc}")
        return 3 if exc.transient else 2
    except AuthenticationFailed as exc:
        _warn(f"AUTHENTICATION_FAILED: {exc}")
        return 2
    except TransientError as exc:
        _warn(f"UNAVAILABLE: {exc}")
        return 3
    except EnedisError as exc:
        _warn(f"REJECTED ({exc.code}): {exc}")
        return 2
    for record in records:
        _emit(record)
    return 0
