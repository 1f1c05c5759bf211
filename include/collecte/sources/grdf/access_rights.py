"""Access rights (droits d'accès) on PCEs: declare, read the state, revoke, send proofs.

Fields and rules from lowatt/lowatt-grdf (`lowatt_grdf/models.py`, `api.py`, `tests/test_api.py`)
and ../shared/DOMAIN.md. A declaration names exactly ONE holder: `raison_sociale` (a company)
XOR `nom_titulaire` (a person); GRDF refuses both. A supply role (`*_CONTRAT_FOURNITURE`) needs
the consumption perimeter `perim_donnees_conso_debut`/`_fin` and no injection perimeter; an
injection role the reverse. States: Active, A valider, Révoquée, A revérifier, Obsolète, Refusée.

Data may be collected only while the right is Active and its perimeter covers the data and the
period (`AccessRight.refusal`). Declaring is idempotent: a live right (Active, A valider,
A revérifier) with the same fields is returned as is, no call that would reset it is made.
Revoking (`revoke_access_right`) records its outcome in `gas_access_right_revocation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from collecte.sources.grdf.client import AdictClient
from collecte.sources.grdf.errors import AdictError
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

    Exactly one of `raison_sociale` (a company or public body) or `nom_titulaire` (a person).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    code_postal: str = Field(pattern=r"^\d{5}$")
    courriel_titulaire: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    raison_sociale: str | None = None
    nom_titulaire: str | None = None
    numero_telephone_mobile_titulaire: str | None = None
    role_tiers: Literal["AUTORISE_CONTRAT_FOURNITURE", "DETENTEUR_CONTRAT_FOURNITURE",
                        "AUTORISE_CONTRAT_INJECTION", "DETENTEUR_CONTRAT_INJECTION"] = \
        "AUTORISE_CONTRAT_FOURNITURE"
    date_debut_droit_acces: date
    date_fin_droit_acces: date
    perim_donnees_conso_debut: date | None = None
    perim_donnees_conso_fin: date | None = None
    perim_donnees_inj_debut: date | None = None
    perim_donnees_inj_fin: date | None = None
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
        if self.raison_sociale and self.nom_titulaire:
            raise ValueError("give raison_sociale OR nom_titulaire, not both: GRDF refuses a declaration "
                             "naming two holders")
        if not (self.raison_sociale or self.nom_titulaire):
            raise ValueError("raison_sociale or nom_titulaire is required")
        if self.date_fin_droit_acces < self.date_debut_droit_acces:
            raise ValueError("date_fin_droit_acces is before date_debut_droit_acces")
        own, other = ("conso", "inj") if "FOURNITURE" in self.role_tiers else ("inj", "conso")
        first, last = getattr(self, f"perim_donnees_{own}_debut"), getattr(self, f"perim_donnees_{own}_fin")
        if first is None or last is None:
            raise ValueError(f"perim_donnees_{own}_debut and perim_donnees_{own}_fin are required for "
                             f"role {self.role_tiers}")
        if getattr(self, f"perim_donnees_{other}_debut") or getattr(self, f"perim_donnees_{other}_fin"):
            raise ValueError(f"perim_donnees_{other}_* must not be given for role {self.role_tiers}")
        if last < first:
            raise ValueError(f"perim_donnees_{own}_fin is before perim_donnees_{own}_debut")
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
        """Build from one listing line (`date_creation` and the change dates are
        "YYYY-MM-DD HH:MM:SS"; the state changed on the latest of revocation, obsolescence,
        refusal)."""
        changes = [_day(line.get(k)) for k in ("date_revocation", "date_passage_a_obsolete",
                                                "date_passage_a_refuse")]
        return cls(
            id=line["id_droit_acces"], pce=line["id_pce"], state=line["etat_droit_acces"],
            proof_status=line.get("statut_controle_preuve"), role=line.get("role_tiers"),
            right_start=_day(line.get("date_debut_droit_acces")), right_end=_day(line.get("date_fin_droit_acces")),
            data_start=_day(line.get("perim_donnees_conso_debut") or line.get("perim_donnees_inj_debut")),
            data_end=_day(line.get("perim_donnees_conso_fin") or line.get("perim_donnees_inj_fin")),
            scope={flag: line.get(flag) == "Vrai" for flag in SCOPE_FLAGS},
            declared_on=_day(line.get("date_creation")),
            state_changed_on=max((d for d in changes if d), default=None),
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


def _day(value: Any) -> date | None:
    """A date from "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (None stays None)."""
    return date.fromisoformat(str(value)[:10]) if value else None


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
    answer = client.declare(pce, fields.to_adict())
    right_id = answer.status.get("id_droit_acces")
    # the declaration answers a status object with the new right's id; its state comes from the listing
    for right in _rights(client.list_rights(pces=[pce]).records):
        if right.id == right_id:
            return right
    return AccessRight(id=str(right_id), pce=pce, state=TO_VALIDATE, role=fields.role_tiers,
                       right_start=fields.date_debut_droit_acces, right_end=fields.date_fin_droit_acces,
                       data_start=fields.perim_donnees_conso_debut, data_end=fields.perim_donnees_conso_fin,
                       scope={flag: getattr(fields, flag) for flag in SCOPE_FLAGS})


def _same(right: AccessRight, fields: MandateFields) -> bool:
    return (right.right_start == fields.date_debut_droit_acces
            and right.right_end == fields.date_fin_droit_acces
            and right.data_start == (fields.perim_donnees_conso_debut or fields.perim_donnees_inj_debut)
            and right.data_end == (fields.perim_donnees_conso_fin or fields.perim_donnees_inj_fin)
            and right.role == fields.role_tiers
            and all(right.scope.get(flag) == getattr(fields, flag) for flag in SCOPE_FLAGS))


@dataclass(frozen=True)
class RevocationOutcome:
    """What revoking the access right on a PCE gave."""

    pce: str
    outcome: str                  # revoked | nothing_to_revoke | failed
    right_id: str | None = None
    state_before: str | None = None
    state_after: str | None = None
    message: str | None = None


def revoke_access_right(client: AdictClient, pce: str, *, conn: Any = None,
                        reason: str = "mandate revoked", mandate_id: str | None = None) -> RevocationOutcome:
    """Revoke the live access right on `pce` at GRDF (`PATCH /droit_acces/{id}`) and, given a
    warehouse connection, record the outcome (`gas_access_right_revocation`, `gas_access_right`).

    Called when a mandate is revoked or expires. A PCE without a live right (none, or already
    Révoquée / Obsolète / Refusée) gives `nothing_to_revoke`. A non-retryable refusal gives
    `failed` with ADICT's message; a transient error is recorded as `failed` and raised again,
    so the caller's retry can finish the job (a second call is harmless).
    """
    current: AccessRight | None = None
    try:
        current = access_right_state(client, pce)
        if current is None or current.state not in LIVE_STATES:
            outcome = RevocationOutcome(pce, "nothing_to_revoke", current.id if current else None,
                                        current.state if current else None, current.state if current else None,
                                        "no live GRDF access right" if current is None else
                                        f"access right {current.id} is already {current.state}")
        else:
            client.revoke(current.id)
            after = access_right_state(client, pce)
            state_after = after.state if after is not None and after.id == current.id else REVOKED
            outcome = RevocationOutcome(pce, "revoked", current.id, current.state, state_after)
            current = after if after is not None and after.id == current.id else current
    except AdictError as exc:
        outcome = RevocationOutcome(pce, "failed", current.id if current else None,
                                    current.state if current else None, None, str(exc)[:500])
        if conn is not None:
            _record_revocation(conn, outcome, reason, mandate_id, None)
        if exc.retryable:
            raise
        return outcome
    if conn is not None:
        _record_revocation(conn, outcome, reason, mandate_id, current)
    return outcome


def _record_revocation(conn: Any, outcome: RevocationOutcome, reason: str, mandate_id: str | None,
                       right: AccessRight | None) -> None:
    conn.execute(
        "INSERT INTO gas_access_right_revocation (pce, right_id, mandate_id, reason, outcome, state_before,"
        " state_after, message) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (outcome.pce, outcome.right_id, mandate_id, reason, outcome.outcome, outcome.state_before,
         outcome.state_after, outcome.message))
    if right is not None:
        from collecte.sources.grdf.bookkeeping import upsert_access_rights

        upsert_access_rights(conn, [right])


def send_proofs(client: AdictClient, right_id: str,
                files: Sequence[tuple[str, bytes, str]]) -> AccessRight | None:
    """Send the mandate's proofs (file name, bytes, content type) for ADICT's check; the right
    as listed afterwards (None if the listing does not show it)."""
    client.upload_proofs(right_id, files)
    return next((r for r in _rights(client.list_rights().records) if r.id == right_id), None)
