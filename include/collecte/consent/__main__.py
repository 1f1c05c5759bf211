"""Command line of the consent package.

    python -m collecte.consent seed-demo --warehouse URL [--s3-endpoint URL --bucket NAME]
    python -m collecte.consent erase-contact CONTACT_ID --requested-by WHO --warehouse URL ...
    python -m collecte.consent purge [--dry-run] --warehouse URL ...   # retention, as the DAG does
    python -m collecte.consent contact-link CONTACT_ID --warehouse URL  # issue a personal link
                                   (single use, expires after --days days; prints its path)
    python -m collecte.consent audit verify --warehouse URL      # check the audit log's hash chain
                                   (exit status 1, and the first broken row, when it does not hold)

S3 keys come from COLLECTE_S3_ACCESS_KEY / COLLECTE_S3_SECRET_KEY (or AWS_*), the endpoint from
--s3-endpoint or COLLECTE_S3_ENDPOINT, the warehouse from --warehouse or COLLECTE_WAREHOUSE_URL.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any


def _zone(args: argparse.Namespace) -> Any:
    from collecte.landing.raw_zone import RawZone
    from collecte.storage.s3 import s3_client

    client = s3_client(
        endpoint_url=args.s3_endpoint,
        aws_access_key_id=os.environ.get("COLLECTE_S3_ACCESS_KEY") or os.environ.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=os.environ.get("COLLECTE_S3_SECRET_KEY") or os.environ.get("AWS_SECRET_ACCESS_KEY"))
    return RawZone(client, args.bucket)


def main(argv: list[str] | None = None) -> int:
    """Run one command; print its result as JSON."""
    parser = argparse.ArgumentParser(prog="python -m collecte.consent", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", default=os.environ.get("COLLECTE_WAREHOUSE_URL"))
    parser.add_argument("--s3-endpoint", default=os.environ.get("COLLECTE_S3_ENDPOINT"))
    parser.add_argument("--bucket", default=os.environ.get("COLLECTE_BUCKET", "collecte"))
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed-demo", help="save the demo organization and sign its mandates")
    seed.add_argument("--no-config", action="store_true", help="ignore include/config suppliers/operators")
    erase = commands.add_parser("erase-contact", help="erasure request for a contact")
    erase.add_argument("contact_id")
    erase.add_argument("--requested-by", required=True)
    erase.add_argument("--reason", default="")
    purge = commands.add_parser("purge", help="delete what is past retention (S3 and warehouse)")
    purge.add_argument("--dry-run", action="store_true", help="list what would go, delete nothing")
    audit_cmd = commands.add_parser("audit", help="the audit log")
    audit_cmd.add_argument("action", choices=["verify"], help="verify: recompute the hash chain")
    link = commands.add_parser("contact-link", help="issue a personal link for a contact")
    link.add_argument("contact_id")
    link.add_argument("--days", type=int, default=7)
    link.add_argument("--issued-by", default="cli")
    args = parser.parse_args(argv)

    if not args.warehouse:
        parser.error("--warehouse or COLLECTE_WAREHOUSE_URL is required")
    from collecte.warehouse.db import connect, migrate

    with connect(args.warehouse) as conn:
        migrate(conn)
        if args.command == "audit":
            from collecte.consent.audit import verify_chain

            report = verify_chain(conn)
            print(json.dumps(report.__dict__, ensure_ascii=False, indent=2))
            return 0 if report.ok else 1
        if args.command == "contact-link":
            from datetime import timedelta

            from collecte.consent.links import issue_link

            token = issue_link(conn, args.contact_id, actor=args.issued_by, ttl=timedelta(days=args.days))
            print(f"/c/{token}")
            return 0
        zone = _zone(args)
        if args.command == "seed-demo":
            from collecte.consent.demo import seed_demo

            result: Any = seed_demo(conn, zone, with_config=not args.no_config)
        elif args.command == "erase-contact":
            from collecte.consent.erasure import request_erasure, run_erasure

            request_id = request_erasure(conn, contact_id=args.contact_id, requested_by=args.requested_by,
                                         reason=args.reason)
            conn.commit()
            result = run_erasure(conn, zone, request_id).as_dict()  # what a gdpr_erasure run does
        else:
            from collecte.consent.retention import (
                Narrowing,
                delete_objects,
                load_retention,
                purge_past_retention,
            )

            report = purge_past_retention(conn, zone, load_retention(), datetime.now(UTC).date(),
                                          Narrowing(dry_run=args.dry_run))
            conn.commit()
            if not args.dry_run:
                delete_objects(zone, report.object_keys)
            result = report.summary()
    print(json.dumps(result, default=str, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
