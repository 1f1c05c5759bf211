"""Customer organizations: entities (branches, subsidiaries), contacts, sites, meters, accounts.

An organization is described in YAML (include/config/organizations/<id>.yaml) or imported from
a CSV of sites and meters, validated by pydantic, and saved to the warehouse with upserts (a
reload changes nothing). Supplier accounts come from the organization file and from the
accounts listed in include/config/suppliers/*.yaml; meters also from
include/config/operators/*.yaml when present.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_PRM = re.compile(r"^[0-9]{14}$")
_PCE = re.compile(r"^([0-9]{14}|GI[0-9]{6})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Contact(_Strict):
    """A person to talk to: the group's single referent, or an entity's own contact."""

    id: str
    role: Literal["group_referent", "entity_contact"]
    civility: str | None = None
    surname: str
    first_name: str
    title: str | None = None
    email: str
    phone: str | None = None

    @property
    def full_name(self) -> str:
        """First name and surname."""
        return f"{self.first_name} {self.surname}"


class Meter(_Strict):
    """A delivery point: PRM (Enedis, electricity) or PCE (GRDF, gas)."""

    id: str
    operator: Literal["enedis", "grdf"]
    demo_mandate: bool = True

    @property
    def energy(self) -> str:
        """electricity or gas."""
        return "electricity" if self.operator == "enedis" else "gas"

    @property
    def point_kind(self) -> str:
        """PRM or PCE."""
        return "PRM" if self.operator == "enedis" else "PCE"

    @model_validator(mode="after")
    def _check_id(self) -> Meter:
        pattern = _PRM if self.operator == "enedis" else _PCE
        if not pattern.match(self.id):
            raise ValueError(f"{self.point_kind} {self.id!r} is malformed")
        return self


class Site(_Strict):
    """A place with meters."""

    id: str
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    meters: list[Meter] = Field(default_factory=list)


class SupplierAccountRef(_Strict):
    """A customer account at a supplier; `conn_id` names the Airflow connection, never a secret."""

    supplier: str
    account_id: str
    entity: str | None = None
    site: str | None = None
    conn_id: str | None = None
    demo_mandate: bool = True


class Entity(_Strict):
    """A branch, subsidiary or the head office; an autonomous one signs with its own contact."""

    id: str
    name: str
    kind: Literal["head_office", "branch", "subsidiary"] = "branch"
    parent: str | None = None
    autonomous: bool = False
    person_type: Literal["legal", "natural"] = "legal"
    company_name: str | None = None
    siret: str | None = None
    naf: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    contacts: list[Contact] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]{14}", value):
            raise ValueError(f"SIRET {value!r} must be 14 digits")
        return value


class Organization(_Strict):
    """A customer group and everything it owns."""

    id: str
    name: str
    siren: str | None = None
    default_entity: str | None = Field(None, description="entity receiving accounts and meters found only in config")
    entities: list[Entity]
    supplier_accounts: list[SupplierAccountRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _links(self) -> Organization:
        ids = {e.id for e in self.entities}
        for entity in self.entities:
            if entity.parent and entity.parent not in ids:
                raise ValueError(f"entity {entity.id}: unknown parent {entity.parent!r}")
            if entity.autonomous and not any(c.role == "entity_contact" for c in entity.contacts):
                raise ValueError(f"entity {entity.id} is autonomous but has no contact of its own")
        for account in self.supplier_accounts:
            if account.entity and account.entity not in ids:
                raise ValueError(f"account {account.supplier}/{account.account_id}: unknown entity {account.entity!r}")
        if self.default_entity and self.default_entity not in ids:
            raise ValueError(f"default_entity {self.default_entity!r} is not an entity")
        return self

    @property
    def home_entity(self) -> Entity:
        """The entity receiving what config lists without an owner (default_entity or the first)."""
        return next(e for e in self.entities if e.id == (self.default_entity or self.entities[0].id))

    def meters(self) -> Iterable[tuple[Entity, Site, Meter]]:
        """Every meter with its entity and site."""
        for entity in self.entities:
            for site in entity.sites:
                for meter in site.meters:
                    yield entity, site, meter


def load_organization(path: Path) -> Organization:
    """Validate one organization YAML file (errors name the file)."""
    try:
        return Organization.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except Exception as exc:  # pydantic ValidationError or YAML error, re-raised with the file name
        raise ValueError(f"{path}: {exc}") from None


def import_sites_csv(org: Organization, path: Path) -> Organization:
    """Add sites and meters from a CSV (`entity;site_id;site_name;postal_code;city;meter_id;operator`).

    Rows of one site may repeat (one per meter). Returns a new Organization.
    """
    data = org.model_dump()
    entities = {e["id"]: e for e in data["entities"]}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            entity = entities.get(row["entity"])
            if entity is None:
                raise ValueError(f"{path}: unknown entity {row['entity']!r}")
            site = next((s for s in entity["sites"] if s["id"] == row["site_id"]), None)
            if site is None:
                site = {"id": row["site_id"], "name": row["site_name"], "postal_code": row.get("postal_code"),
                        "city": row.get("city"), "meters": []}
                entity["sites"].append(site)
            if row.get("meter_id"):
                site["meters"].append({"id": row["meter_id"], "operator": row["operator"]})
    return Organization.model_validate(data)


# -- config files of the other engineers (suppliers, operators) ---------------------------------
def configured_meters(folder: Path | None = None) -> list[dict[str, Any]]:
    """Meters of include/config/operators/*.yaml: `{operator, id, kinds, demo_mandate}`; [] if none."""
    from collecte.config.loader import config_dir

    folder = folder or config_dir() / "operators"
    found: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        operator = raw.get("code") or path.stem
        for meter in raw.get("meters") or []:
            found.append({"operator": operator, "id": str(meter["id"]), "kinds": list(meter.get("kinds") or []),
                          "demo_mandate": bool(meter.get("demo_mandate", True))})
    return found


def configured_accounts() -> list[SupplierAccountRef]:
    """Accounts listed in include/config/suppliers/*.yaml (every road), as account references."""
    from collecte.config import load_suppliers

    found: list[SupplierAccountRef] = []
    for supplier in load_suppliers():
        for road in supplier.roads:
            for account in road.accounts:
                demo = getattr(account, "demo_mandate", account.options.get("demo_mandate", True))
                found.append(SupplierAccountRef(supplier=supplier.code, account_id=account.id,
                                                entity=account.entity, conn_id=account.conn_id,
                                                demo_mandate=bool(demo)))
    return found
