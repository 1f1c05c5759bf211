"""Saving an organization (entities, contacts, sites, meters, supplier accounts) to the warehouse.

Upserts keyed on the identifiers: loading the same file again changes nothing. Meters and
accounts found only in the operator / supplier config are attached to the organization's home
entity (its `default_entity`), in a site named after the operator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from collecte.consent.organizations import Organization, SupplierAccountRef


@dataclass(frozen=True)
class SavedOrganization:
    """What was saved: counts per table."""

    entities: int
    contacts: int
    sites: int
    meters: int
    accounts: int


def save_organization(conn: Any, org: Organization, *, extra_meters: Iterable[dict[str, Any]] = (),
                      extra_accounts: Iterable[SupplierAccountRef] = ()) -> SavedOrganization:
    """Upsert the organization; extra meters/accounts (from config) go to the home entity."""
    conn.execute("INSERT INTO organization (id, name, siren) VALUES (%s, %s, %s)"
                 " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, siren = EXCLUDED.siren",
                 (org.id, org.name, org.siren))
    contacts = sites = 0
    for entity in sorted(org.entities, key=lambda e: e.parent is not None):
        conn.execute(
            "INSERT INTO entity (id, organization_id, parent_id, name, kind, autonomous, person_type, company_name,"
            " siret, naf, address, postal_code, city) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id, name = EXCLUDED.name,"
            " kind = EXCLUDED.kind, autonomous = EXCLUDED.autonomous, person_type = EXCLUDED.person_type,"
            " company_name = EXCLUDED.company_name, siret = EXCLUDED.siret, naf = EXCLUDED.naf,"
            " address = EXCLUDED.address, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city",
            (entity.id, org.id, entity.parent, entity.name, entity.kind, entity.autonomous, entity.person_type,
             entity.company_name or (entity.name if entity.person_type == "legal" else None), entity.siret,
             entity.naf, entity.address, entity.postal_code, entity.city))
        for contact in entity.contacts:
            contacts += 1
            conn.execute(
                "INSERT INTO contact (id, entity_id, role, civility, surname, first_name, title, email, phone)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO UPDATE SET entity_id = EXCLUDED.entity_id,"
                " role = EXCLUDED.role, civility = EXCLUDED.civility, surname = EXCLUDED.surname,"
                " first_name = EXCLUDED.first_name, title = EXCLUDED.title, email = EXCLUDED.email,"
                " phone = EXCLUDED.phone WHERE contact.erased_at IS NULL",
                (contact.id, entity.id, contact.role, contact.civility, contact.surname, contact.first_name,
                 contact.title, contact.email, contact.phone))
        for site in entity.sites:
            sites += 1
            _site(conn, site.id, entity.id, site.name, site.address, site.postal_code, site.city)
            for meter in site.meters:
                _meter(conn, meter.id, site.id, meter.operator)
    meters = sum(1 for _ in org.meters())
    known = {m.id for _, _, m in org.meters()}
    home = org.home_entity
    for extra in extra_meters:
        if extra["id"] in known:
            continue
        site_id = f"{home.id}-{extra['operator']}"
        _site(conn, site_id, home.id, f"{home.name} — points {extra['operator']}", None, home.postal_code, home.city)
        _meter(conn, extra["id"], site_id, extra["operator"])
        known.add(extra["id"])
        meters += 1
    accounts = 0
    seen: set[tuple[str, str]] = set()
    for account in [*org.supplier_accounts, *extra_accounts]:
        key = (account.supplier, account.account_id)
        if key in seen:
            continue
        seen.add(key)
        entity_id = account.entity if account.entity in {e.id for e in org.entities} else home.id
        conn.execute(
            "INSERT INTO supplier_account (supplier, account_id, entity_id, site_id, conn_id)"
            " VALUES (%s,%s,%s,%s,%s) ON CONFLICT (supplier, account_id) DO UPDATE SET"
            " entity_id = EXCLUDED.entity_id, site_id = EXCLUDED.site_id,"
            " conn_id = COALESCE(supplier_account.conn_id, EXCLUDED.conn_id)",
            (account.supplier, account.account_id, entity_id, account.site, account.conn_id))
        accounts += 1
    return SavedOrganization(len(org.entities), contacts, sites, meters, accounts)


def _site(conn: Any, site_id: str, entity_id: str, name: str, address: str | None, postal_code: str | None,
          city: str | None) -> None:
    conn.execute(
        "INSERT INTO site (id, entity_id, name, address, postal_code, city) VALUES (%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (id) DO UPDATE SET entity_id = EXCLUDED.entity_id, name = EXCLUDED.name,"
        " address = EXCLUDED.address, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city",
        (site_id, entity_id, name, address, postal_code, city))


def _meter(conn: Any, meter_id: str, site_id: str, operator: str) -> None:
    energy, kind = ("electricity", "PRM") if operator == "enedis" else ("gas", "PCE")
    conn.execute(
        "INSERT INTO meter (id, site_id, operator, energy, point_kind) VALUES (%s,%s,%s,%s,%s)"
        " ON CONFLICT (id) DO UPDATE SET site_id = EXCLUDED.site_id, operator = EXCLUDED.operator",
        (meter_id, site_id, operator, energy, kind))
