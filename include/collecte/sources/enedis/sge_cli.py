"""`python -m collecte.sources.enedis sge ...`: the SGE operations by hand, JSON Lines on stdout.

    sge technical --url URL --prm PRM
    sge measures  --url URL --prm PRM --data load_curve|daily_consumption|max_power|index --from D --to D
    sge subscribe --url URL --prm PRM --kind CDC|IDX --from D [--to D] (--company NAME | --surname NAME ...)
    sge stop      --url URL --prm PRM --service-id ID
    sge list      --url URL --prm PRM
    sge history   --url URL --prm PRM [--prm PRM ...] --from D --to D [--measures COURBES] [--billing]

Dates are Paris days, `--to` included. `measures` prints the same canonical records as Data Connect
(one JSON object per line, with its `dataset`); curves are fetched 7 days per call. The client
certificate and key come by option (`--cert`, `--key`), the SGE login (an e-mail) and contract id
by option or COLLECTE_SGE_LOGIN / COLLECTE_SGE_CONTRACT. A refusal exits with status 2 and its SGT
code and meaning on stderr; a transport failure exits 3.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from collecte.errors import TransientError
from collecte.sources.enedis.errors import EnedisError, Transient
from collecte.sources.enedis.sge import Consent, DocumentError, SgeClient, meaning, measure_spans
from collecte.sources.enedis.sge.contracts import MEASURE_KINDS

# CLI measure -> Data Connect resource whose canonical records it gives (consumption side, production side)
RESOURCES = {
    "load_curve": ("courbe_de_charge_consommation", "courbe_de_charge_production"),
    "daily_consumption": ("consommation_quotidienne", "production_quotidienne"),
    "max_power": ("puissance_conso_max_quotidienne", "puissance_conso_max_quotidienne"),
    "index": ("index_consommation", "index_production"),
}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="SGE root, e.g. https://sge-b2b.enedis.fr")
    parser.add_argument("--login", default=os.environ.get("COLLECTE_SGE_LOGIN", "collecte@example.fr"),
                        help="SGE user (e-mail): loginUtilisateur / initiateurLogin")
    parser.add_argument("--contract-id", default=os.environ.get("COLLECTE_SGE_CONTRACT", "0000000"),
                        help="SGE contract id (contratId)")
    parser.add_argument("--cert", help="client certificate (PEM), as in production")
    parser.add_argument("--key", help="private key of the client certificate (PEM)")
    parser.add_argument("--ca-file", help="CA bundle for SGE's server certificate (default: the system's)")
    parser.add_argument("--timeout", type=float, default=60.0)


def _consent(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("consent (declarationAccordClient)")
    who = group.add_mutually_exclusive_group(required=True)
    who.add_argument("--company", help="legal person: company name (denominationSociale)")
    who.add_argument("--surname", help="natural person: surname (nom)")
    group.add_argument("--first-name", help="natural person: first name (prenom)")
    group.add_argument("--civility", help="natural person: civility (M, MME, ...)")
    group.add_argument("--access-frame", default="ACCORD_CLIENT", choices=["ACCORD_CLIENT", "SERVICE_ACCES",
                                                                        "EST_TITULAIRE"])


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `sge` sub-command (with its own sub-commands) to an argparse sub-parser set."""
    sge = subparsers.add_parser("sge", help="Enedis SGE (B2B SOAP) operations", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = sge.add_subparsers(dest="sge_command", required=True)

    technical = commands.add_parser("technical", help="ConsultationDonneesTechniquesContractuelles")
    _common(technical)
    technical.add_argument("--prm", required=True)

    measures = commands.add_parser("measures", help="ConsultationMesuresDetaillees v3")
    _common(measures)
    measures.add_argument("--prm", required=True)
    measures.add_argument("--data", required=True, choices=list(MEASURE_KINDS))
    measures.add_argument("--from", dest="first", type=_day, required=True)
    measures.add_argument("--to", dest="last", type=_day, required=True, help="last day, included")
    measures.add_argument("--direction", choices=["CONS", "PROD"], default="CONS")

    subscribe = commands.add_parser("subscribe", help="CommandeCollectePublicationMesures v3")
    _common(subscribe)
    subscribe.add_argument("--prm", required=True)
    subscribe.add_argument("--kind", choices=["CDC", "IDX"], required=True,
                           help="CDC: curve recording + transmission; IDX: daily index + max power")
    subscribe.add_argument("--from", dest="first", type=_day, required=True)
    subscribe.add_argument("--to", dest="last", type=_day, help="end of the service (at most one year)")
    subscribe.add_argument("--step", help="curve step, e.g. PT30M (C5) or PT10M (C4)")
    subscribe.add_argument("--no-recurring", action="store_true", help="activate recording only")
    _consent(subscribe)

    stop = commands.add_parser("stop", help="CommandeArretServiceSouscritMesures")
    _common(stop)
    stop.add_argument("--prm", required=True)
    stop.add_argument("--service-id", required=True, help="serviceSouscritId")

    listing = commands.add_parser("list", help="RechercherServicesSouscritsMesures")
    _common(listing)
    listing.add_argument("--prm", required=True)

    history = commands.add_parser("history", help="M023 history order (files arrive later by SFTP)")
    _common(history)
    history.add_argument("--prm", required=True, action="append", help="repeat for several PRMs")
    history.add_argument("--from", dest="first", type=_day, required=True)
    history.add_argument("--to", dest="last", type=_day, required=True, help="last day, included")
    history.add_argument("--measures", default="COURBES", choices=["COURBES", "ENERGIE", "PMAX", "INDEX"])
    history.add_argument("--billing", action="store_true", help="billing measures (MesuresFacturantes)")
    history.add_argument("--format", default="CSV", choices=["CSV", "JSON"])

    sge.set_defaults(handler=run)
    return sge


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(record, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
                            + b"\n")


def _measures(client: SgeClient, args: argparse.Namespace) -> None:
    from collecte.metering.dataconnect import parse_measures
    from collecte.sources.enedis.sge.answers import measures_document, read_answer
    from collecte.sources.enedis.sge.contracts import MEASURES

    resource = RESOURCES[args.data][0 if args.direction == "CONS" else 1]
    sens = "SOUTIRAGE" if args.direction == "CONS" else "INJECTION"
    for start, stop in measure_spans(args.first, args.last + timedelta(days=1), args.data):
        body = client.measures(args.prm, args.data, start, stop, direction=sens)
        document = measures_document(read_answer(body, MEASURES), args.data, args.prm)
        raw_key = f"sge:{args.prm}:{args.data}:{start}:{stop}"
        for dataset, table in parse_measures([(resource, raw_key, document)]).items():
            for row in table.to_pylist():
                _emit({"dataset": dataset, **row})


def _technical(client: SgeClient, args: argparse.Namespace) -> None:
    from collecte.metering.contract import sge_contract

    point = client.technical_data(args.prm)
    row = sge_contract(args.prm, point, f"sge:{args.prm}:technical", datetime.now(UTC))
    _emit({"dataset": "meter_contract", **row})


def execute(args: argparse.Namespace) -> None:
    """Run one `sge` sub-command (raises EnedisError / DocumentError on refusal)."""
    cert = (args.cert, args.key) if args.cert else None
    with SgeClient(args.url, args.login, args.contract_id, cert=cert, timeout=args.timeout,
                   ca_file=args.ca_file) as client:
        if args.sge_command == "technical":
            _technical(client, args)
        elif args.sge_command == "measures":
            _measures(client, args)
        elif args.sge_command == "subscribe":
            consent = Consent(company=args.company, surname=args.surname, first_name=args.first_name,
                              civility=args.civility, access_frame=args.access_frame)
            _emit({"prm": args.prm, **client.subscribe(args.prm, kind=args.kind, first=args.first, last=args.last,
                                                       consent=consent, recurring=not args.no_recurring,
                                                       step=args.step)})
        elif args.sge_command == "stop":
            _emit({"prm": args.prm, "serviceSouscritId": args.service_id, **client.stop(args.prm, args.service_id)})
        elif args.sge_command == "list":
            for service in client.services(args.prm):
                _emit(service)
        elif args.sge_command == "history":
            affaire = client.order_history(args.prm, args.first, args.last + timedelta(days=1),
                                           measures=args.measures, billing=args.billing, fmt=args.format)
            _emit({"affaireId": affaire, "prms": args.prm, "from": args.first, "to": args.last})


def run(args: argparse.Namespace) -> int:
    """Exit status: 0 done, 2 refused (SGT code on stderr), 3 SGE unreachable or failing."""
    if args.cert and not args.key:
        print("sge: --cert needs --key", file=sys.stderr)
        return 2
    try:
        execute(args)
    except DocumentError as exc:
        print(f"sge: request refused before sending: {exc}", file=sys.stderr)
        return 2
    except (Transient, TransientError) as exc:
        code = getattr(exc, "code", None)
        print(f"sge: {code or 'UNAVAILABLE'}: {exc}", file=sys.stderr)
        return 3
    except EnedisError as exc:
        print(f"sge: {exc.code}: {meaning(exc.code)}: {exc}", file=sys.stderr)
        return 2
    return 0
