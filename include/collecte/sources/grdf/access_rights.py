"""Access rights (droits d'accès) on PCEs: declare, read the state, revoke, send proofs.

Data may be collected only while the right is Active and its perimeter covers the data and the
period (`AccessRight.refusal`). Declaring is idempotent: a live right (Active, A valider,
A revérifier) with the same fields is returned as is, no call that would reset it is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from collecte.sources.grdf.client import AdictClient
from collecte.sources.grdf.resources import resource

ACTIVE, TO_VALIDATE, REVOKED, TO_RECHECK, OBSOLETE, REFUSED = (
    "Active", "A valider", "Révoquée", "A revérifier", "Obsolète", "Refusée")
LIVE_STATES = (ACTIVE, TO_VALIDATE, TO_RECHECK)
SCOPE_FLAGS = ("perim_donnees_contractuelles", "perim_donnees_techniques",
               "perim_donnees_informatives", "perim_donnees_publiees")


def _vrai(flag: bool) -> str:
    return "Vrai" if flag else "Faux"


class MandateFields(BaseModel):
    """What a declaration needs, from the customer's mandate (ADICT's own field names).

    `raison_sociale` (a company or public body) or `nom_titulaire` (a person) is required.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    code_postal: str = Field(pattern=r"^\d{5}$")
    courriel_titulaire: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    raison_sociale: str | None = None
    nom_titulaire: str | None = None
    role_tiers: str = "AUTORISE_CONTRAT_FOURNITURE"
    date_debut_droit_acces: date
    date_fin_droit_acces: date
    perim_donnees_conso_debut: date
    perim_donnees_conso_fin: date
    perim_donnees_contractuelles: bool = True
    perim_donnees_techniques: bool = True
    perim_donnees_informatives: bool = True
    perim_donnees_publiees: bool = True

    @field_validator(*SCOPE_FLAGS, mode="before")
    @classmethod
    def _adict_boolean(cls, value: Any) -> Any:
        """Accept ADICT's "Vrai"/"Faux" (e.g. from consent.operator_fields.adict_access_right_fields)."""
        return {"Vrai": True, "Faux": False}.get(value, value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _coherent(self) -> MandateFields:
        if not (self.raison_sociale or self.nom_titulaire):
            raise ValueError("raison_sociale or nom_titulaire is required")
        if self.date_fin_droit_acces < self.date_debut_droit_acces:
            raise ValueError("date_fin_droit_acces is before date_debut_droit_acces")
        if self.perim_donnees_conso_fin < self.perim_donnees_conso_debut:
            raise ValueError("perim_donnees_conso_fin is before perim_donnees_conso_debut")
        return self

    def to_adict(self) -> dict[str, Any]:
        """The declaration body: dates ISO, booleans "Vrai"/"Faux", empty fields left out."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            out[name] = _vrai(value) if isinstance(value, bool) else \
                value.isoformat() if isinstance(value, date) else str(value)
        return out


class AccessRight(BaseModel):
    """A right as ADICT lists it (no personal data of the holder is kept)."""

    model_config = ConfigDict(frozen=True)

    id: str
    pce: str
    state: str
    proof_status: str | None = None
    role: str | None = None
    right_start: date | None = None
    right_end: date | None = None
    data_start: date | None = None
    data_end: date | None = None
    scope: dict[str, bool] = Field(default_factory=dict)
    declared_on: date | None = None
    state_changed_on: date | None = None

    @classmethod
    def from_adict(cls, line: dict[str, Any]) -> AccessRight:
        """Build from one listing/declaration line."""
        return cls(
            id=line["id_droit_acces"], pce=line["id_pce"], state=line["etat_droit_acces"],
            proof_status=line.get("statut_controle_preuve"), role=line.get("role_tiers"),
            right_start=line.get("date_debut_droit_acces"), right_end=line.get("date_fin_droit_acces"),
            data_start=line.get("perim_donnees_conso_debut"), data_end=line.get("perim_donnees_conso_fin"),
            scope={flag: line.get(flag) == "Vrai" for flag in SCOPE_FLAGS},
            declared_on=line.get("date_creation"), state_changed_on=line.get("date_changement_etat"),
        )

    @property
    def active(self) -> bool:
        """Whether ADICT lets data be collected under this right at all."""
        return self.state == ACTIVE

    def refusal(self, kind: str, start: date | None = None, end: date | None = None) -> str | None:
        """None when this right allows collecting `kind` over [start, end), else the reason."""
        if not self.active:
            return f"GRDF access right {self.id} is {self.state}"
        res = resource(kind)
        if not self.scope.get(res.scope_flag):
            return f"GRDF access right {self.id} excludes {kind} data ({res.scope_flag} = Faux)"
        if res.is_consumption and start and end and self.data_start and self.data_end and \
                (end <= self.data_start or start > self.data_end):
            return (f"GRDF access right {self.id} covers consumption from {self.data_start} to "
                    f"{self.data_end} only")
        return None

    def clip(self, start: date, end: date) -> tuple[date, date]:
        """[start, end) narrowed to the right's consumption perimeter."""
        if self.data_start:
            start = max(start, self.data_start)
        if self.data_end:
            end = min(end, date.fromordinal(self.data_end.toordinal() + 1))
        return start, end


def _rights(answer_lines: Iterable[dict[str, Any]]) -> list[AccessRight]:
    return [AccessRight.from_adict(line) for line in answer_lines]


def _relevance(right: AccessRight) -> tuple[int, date, str]:
    # an Active right wins, then a live one, then the most recent declaration
    rank = 2 if right.state == ACTIVE else 1 if right.state in LIVE_STATES else 0
    return rank, right.declared_on or date.min, right.id


def access_rights(client: AdictClient, pces: Sequence[str]) -> dict[str, AccessRight]:
    """The right that governs each PCE that has one (Active first, else the latest), in one listing call."""
    chosen: dict[str, AccessRight] = {}
    for right in _rights(client.list_rights(pces=pces).records):
        if right.pce not in chosen or _relevance(right) >= _relevance(chosen[right.pce]):
            chosen[right.pce] = right
    return chosen


def access_right_state(client: AdictClient, pce: str) -> AccessRight | None:
    """The access right governing `pce` (state, proof status, perimeter), None if never declared."""
    return access_rights(client, [pce]).get(pce)


def declare_access_right(client: AdictClient, pce: str,
                         mandate_fields: MandateFields | dict[str, Any]) -> AccessRight:
    """Declare the right to collect `pce` (state "A valider" until the holder accepts).

    Idempotent: when the PCE already has a live right with the same fields it is returned and
    nothing is sent. Raises `RequestRejected` with ADICT's message for an invalid field.
    """
    fields = mandate_fields if isinstance(mandate_fields, MandateFields) else \
        MandateFields.model_validate(mandate_fields)
    current = access_right_state(client, pce)
    if current is not None and current.state in LIVE_STATES and _same(current, fields):
        return current
    return AccessRight.from_adict(client.declare(pce, fields.to_adict()).records[0])


def _same(right: AccessRight, fields: MandateFields) -> bool:
    return (right.right_start == fields.date_debut_droit_acces
            and right.right_end == fields.date_fin_droit_acces
            and right.data_start == fields.perim_donnees_conso_debut
            and right.data_end == fields.perim_donnees_conso_fin
            and right.role == fields.role_tiers
            and all(right.scope.get(flag) == getattr(fields, flag) for flag in SCOPE_FLAGS))


def revoke_access_right(client: AdictClient, pce: str) -> AccessRight | None:
    """Revoke the live right on `pce` (end of mandate); None when there was none to revoke."""
    current = access_right_state(client, pce)
    if current is None or current.state not in LIVE_STATES:
        return None
    return AccessRight.from_adict(client.revoke(current.id).records[0])


def send_proofs(client: AdictClient, right_id: str,
                files: Sequence[tuple[str, bytes, str]]) -> AccessRight:
    """Send the mandate's proofs (file name, bytes, content type) for ADICT's check."""
    return AccessRight.from_adict(client.upload_proofs(right_id, files).records[0])
