"""Seeding the demo organization and its signed mandates.

Loads include/config/organizations/demo.yaml, adds the accounts of include/config/suppliers/*.yaml
and the meters of include/config/operators/*.yaml, and signs one mandate per entity for every
meter and account not marked `demo_mandate: false` (signatory: the entity's own contact, else the
group referent), with its evidence PDF in S3. Running it again changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from collecte.consent.gate import DATA_KINDS
from collecte.consent.mandates import default_end, draft_mandate, sign
from collecte.consent.organizations import (
    Organization,
    configured_accounts,
    configured_meters,
    load_organization,
)
from collecte.consent.registry import save_organization

log = logging.getLogger(__name__)
SEED_ACTOR = "seed-demo"


def demo_organization_path() -> Path:
    """include/config/organizations/demo.yaml (or under $COLLECTE_CONFIG_DIR)."""
    from collecte.config.loader import config_dir

    return config_dir() / "organizations" / "demo.yaml"


def _signatory(org: Organization, entity_id: str) -> str:
    entity = next(e for e in org.entities if e.id == entity_id)
    own = [c for c in entity.contacts if c.role == "entity_contact"]
    if own:
        return own[0].id
    referents = [c for e in org.entities for c in e.contacts if c.role == "group_referent"]
    if not referents:
        raise ValueError(f"{org.id}: no contact can sign for entity {entity_id}")
    return referents[0].id


def seed_demo(conn: Any, zone: Any, *, org_path: Path | None = None, today: date | None = None,
              with_config: bool = True) -> dict[str, Any]:
    """Save the demo organization and sign its mandates; return what was done (ids and counts)."""
    today = today or datetime.now(UTC).date()
    org = load_organization(org_path or demo_organization_path())
    extra_meters = configured_meters() if with_config else []
    extra_accounts = configured_accounts() if with_config else []
    saved = save_organization(conn, org, extra_meters=extra_meters, extra_accounts=extra_accounts)
    excluded_meters = {(m["operator"], m["id"]) for m in extra_meters if not m["demo_mandate"]}
    excluded_meters |= {(m.operator, m.id) for _, _, m in org.meters() if not m.demo_mandate}
    excluded_accounts = {(a.supplier, a.account_id) for a in [*org.supplier_accounts, *extra_accounts]
                         if not a.demo_mandate}
    # two years back, so that backfills of recent history pass the gate; ends about a year from now
    start = date(today.year - 2, today.month, 1)
    signed: list[str] = []
    for entity in org.entities:
        in_force = conn.execute("SELECT count(*) FROM mandate WHERE entity_id = %s AND status = 'signed'"
                                " AND start_date <= %s AND end_date >= %s", (entity.id, today, today)).fetchone()[0]
        if in_force:
            continue
        from collecte.consent.mandates import entity_scope

        meters, accounts = entity_scope(conn, entity.id)
        meters = [m for m in meters if m not in excluded_meters]
        accounts = [a for a in accounts if a not in excluded_accounts]
        if not meters and not accounts:
            continue
        draft = draft_mandate(conn, entity_id=entity.id, contact_id=_signatory(org, entity.id), start=start,
                              end=default_end(start), data_kinds=DATA_KINDS, meters=meters, accounts=accounts,
                              actor=SEED_ACTOR)
        sign(conn, zone, draft.id, signer_ip="127.0.0.1", actor=SEED_ACTOR, require_code=False)
        signed.append(draft.id)
    log.info("demo organization %s: %s; %d mandate(s) signed", org.id, saved, len(signed))
    return {"organization": org.id, "saved": saved.__dict__, "signed": signed,
            "excluded_meters": sorted(excluded_meters), "excluded_accounts": sorted(excluded_accounts)}
