"""Try one PCE against GRDF ADICT outside Airflow (onboarding a customer, before scheduling).

    python -m collecte.sources.grdf fetch --base-url URL --token-url URL --client-id ID \\
        --client-secret SECRET --pce PCE --data KIND --from YYYY-MM-DD --to YYYY-MM-DD

KIND: informative (daily, provisional) | published (billing) | contract | technical. `--to` is
inclusive: the last gas day wanted (a gas day runs from 06:00 to 06:00 Paris time). The client is
the DAGs' own (`AdictClient`): same window splitting and history clamp, same rate limiter, same
retries. The access right is checked first, as the DAG does: data are asked only while it is
Active and its perimeter covers the data.

Output (stdout), JSON Lines of canonical records:
- informative / published: one record per period with `meter_id`, `start`, `end` (ISO 8601 UTC),
  `value` (the energy, a number) and `unit` "kWh", plus `kind`, `volume_m3` (the volume in m³),
  `conversion_coefficient`, indexes, `status`, `quality` (a record without energy fails its checks);
- contract: one record with `meter_id`, `distribution_tariff`, `annual_reference_kwh`, `profile`,
  `commissioning_date`;
- technical: one record with `meter_id`, `address`, `postal_code`, `city`, `reading_frequency`,
  `pitd`, `pitd_label`.

Refusals: exit status 3 and ONE line on stderr starting with a stable code word: NO_CONSENT (no
access right, or one not Active), OUT_OF_SCOPE (its perimeter excludes the data), HISTORY_LIMIT,
UNKNOWN_PCE, REJECTED (ADICT refused the request), AUTH_FAILED (token refused). Exit status 4
with UNAVAILABLE / TRUNCATED when ADICT stayed unavailable after the retries; 2 for bad usage.
Records that fail their checks are left out and named on stderr (INVALID_RECORD lines).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import orjson

from collecte.metering import gas
from collecte.sources.grdf.access_rights import access_right_state
from collecte.sources.grdf.client import DEFAULT_RATE, DEFAULT_SCOPE, AdictClient
from collecte.sources.grdf.errors import AdictError
from collecte.sources.grdf.resources import resource

KINDS = {"informative": "daily", "published": "consumption", "contract": "contract", "technical": "technical"}
REFUSED, UNAVAILABLE = 3, 4


class Refusal(Exception):
    """A refusal to report with its code word."""

    def __init__(self, code_word: str, message: str) -> None:
        super().__init__(message)
        self.code_word = code_word


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def parser() -> argparse.ArgumentParser:
    """The command line."""
    root = argparse.ArgumentParser(prog="python -m collecte.sources.grdf", description=__doc__.split("\n\n")[0])
    sub = root.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="fetch one PCE's data as canonical JSON Lines")
    fetch.add_argument("--base-url", required=True, help="ADICT API root, e.g. https://api.grdf.fr/adict/v2")
    fetch.add_argument("--token-url", required=True,
                       help="OpenID token endpoint, e.g. https://adict-connexion.grdf.fr/oauth2/<server>/v1/token")
    fetch.add_argument("--client-id", required=True)
    fetch.add_argument("--client-secret", required=True)
    fetch.add_argument("--pce", required=True)
    fetch.add_argument("--data", required=True, choices=list(KINDS))
    fetch.add_argument("--from", dest="first", required=True, type=_day, help="first gas day")
    fetch.add_argument("--to", dest="last", required=True, type=_day, help="last gas day (inclusive)")
    fetch.add_argument("--scope", default=DEFAULT_SCOPE)
    fetch.add_argument("--rate", type=float, default=DEFAULT_RATE, help="calls per second (ADICT: 5)")
    return root


def fetch(client: AdictClient, pce: str, data: str, first: date, last: date, *,
          today: date, err: TextIO) -> list[dict[str, Any]]:
    """Canonical records of `data` for `pce` over the gas days [first, last]; raises `Refusal`."""
    kind = KINDS[data]
    right = access_right_state(client, pce)
    if right is None:
        raise Refusal("NO_CONSENT", f"no GRDF access right declared on PCE {pce}")
    end = last + timedelta(days=1)
    refusal = right.refusal(kind, first, end)
    if refusal:
        raise Refusal("NO_CONSENT" if not right.active else "OUT_OF_SCOPE", refusal)
    if not resource(kind).is_consumption:
        answer = client.point_data(kind, pce)
        line = answer.records[0]
        return [gas.contract_record(line) if kind == "contract" else gas.technical_record(line)]
    start, stop = right.clip(first, end)
    if (start, stop) != (first, end):
        print(f"NOTE: access right {right.id} covers {start} to {stop - timedelta(days=1)} only", file=err)
    answers, note = client.consumption(kind, pce, start, stop, today=today)
    if note:
        print(f"NOTE: {note}", file=err)
    seen: dict[tuple[date, date], dict[str, Any]] = {}
    for window_start, window_end, answer in answers:
        for text in gas.restitution_notes(answer.records):
            print(f"NOTE: {window_start}..{window_end}: {text}", file=err)
        rows, rejected = gas.parse_consumption(
            answer.records, kind="published" if kind == "consumption" else "informative",
            raw_key=f"{client.api_url}/pce/{pce}/{resource(kind).path}?date_debut={window_start}&date_fin={window_end}")
        for bad in rejected:
            print(f"INVALID_RECORD: {window_start}..{window_end} record {bad.line}: {bad.reason}", file=err)
        for row in rows:
            seen[(row.period_start, row.period_end)] = gas.series_record(row)
    return [seen[key] for key in sorted(seen)]


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    args = parser().parse_args(argv)
    if args.last < args.first:
        print("USAGE: --to is before --from", file=err)
        return 2
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    try:
        with AdictClient(args.base_url, args.token_url, args.client_id, args.client_secret,
                         scope=args.scope, rate_per_second=args.rate) as client:
            records = fetch(client, args.pce, args.data, args.first, args.last, today=today, err=err)
    except Refusal as exc:
        print(f"{exc.code_word}: {exc}", file=err)
        return REFUSED
    except AdictError as exc:
        print(f"{exc.code_word}: {' '.join(str(exc).split())}", file=err)
        return UNAVAILABLE if exc.retryable else REFUSED
    for record in records:
        out.write(orjson.dumps(record).decode() + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
