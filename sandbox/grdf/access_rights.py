"""Access rights (droits d'accès) held by third parties on PCEs, as ADICT keeps them.

A declaration starts "A valider" with proofs "Preuve en attente"; the holder accepts ("Active")
or refuses ("Refusée") by email, which the sandbox simulates through an admin call or after a
delay (GRDF sends its emails in 15-minute batches). The third party may revoke ("Révoquée");
GRDF asks for a new check when the PCE changes holder ("A revérifier"); past its end date a
right is "Obsolète".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

ACTIVE, TO_VALIDATE, REVOKED, TO_RECHECK, OBSOLETE, REFUSED = (
    "Active", "A valider", "Révoquée", "A revérifier", "Obsolète", "Refusée")
STATES = (ACTIVE, TO_VALIDATE, REVOKED, TO_RECHECK, OBSOLETE, REFUSED)
PROOF_WAITING, PROOF_CHECKING, PROOF_OK, PROOF_KO = (
    "Preuve en attente", "Preuve en cours de vérification", "Vérifiée OK", "Vérifiée KO")
ROLES = ("AUTORISE_CONTRAT_FOURNITURE", "DETENTEUR_CONTRAT_FOURNITURE", "AUTORISE_TIERS")
SCOPE_FLAGS = ("perim_donnees_contractuelles", "perim_donnees_techniques",
               "perim_donnees_informatives", "perim_donnees_publiees")
REQUIRED = ("code_postal", "courriel_titulaire", "date_debut_droit_acces", "date_fin_droit_acces",
            "role_tiers", "perim_donnees_conso_debut", "perim_donnees_conso_fin")
PCE_FORMAT = re.compile(r"^(\d{14}|GI\d{6})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class DeclarationError(ValueError):
    """A declaration ADICT refuses (HTTP 400), with the message it would give."""


@dataclass
class AccessRight:
    """One declared access right."""

    id: str
    client_id: str
    pce: str
    fields: dict[str, Any]
    state: str = TO_VALIDATE
    proof_status: str = PROOF_WAITING
    created_at: datetime = field(default_factory=datetime.now)
    proofs: list[dict[str, Any]] = field(default_factory=list)
    accept_automatically: bool = True
    state_changed_on: str | None = None

    def effective_state(self, today: date) -> str:
        """The state as seen on `today` (a right past its end date is obsolete)."""
        if self.state in (ACTIVE, TO_VALIDATE, TO_RECHECK) and \
                date.fromisoformat(self.fields["date_fin_droit_acces"]) < today:
            return OBSOLETE
        return self.state

    def as_line(self, today: date) -> dict[str, Any]:
        """The right as ADICT lists it."""
        return {
            "id_droit_acces": self.id,
            "id_pce": self.pce,
            "etat_droit_acces": self.effective_state(today),
            "statut_controle_preuve": self.proof_status,
            "date_creation": self.created_at.date().isoformat(),
            "date_changement_etat": self.state_changed_on,
            **self.fields,
        }

    def scope_flag(self, flag: str) -> bool:
        """Whether a perimeter flag is "Vrai"."""
        return self.fields.get(flag) == "Vrai"


def validate_declaration(pce: str, body: dict[str, Any]) -> dict[str, Any]:
    """The declaration's fields, or a DeclarationError naming what is wrong."""
    if not PCE_FORMAT.match(pce):
        raise DeclarationError(f"id_pce {pce!r} invalide : 14 chiffres ou GI suivi de 6 chiffres attendus")
    missing = [name for name in REQUIRED if not body.get(name)]
    if missing:
        raise DeclarationError("champ(s) obligatoire(s) manquant(s) : " + ", ".join(missing))
    if not body.get("raison_sociale") and not body.get("nom_titulaire"):
        raise DeclarationError("raison_sociale ou nom_titulaire est obligatoire")
    if not re.fullmatch(r"\d{5}", str(body["code_postal"])):
        raise DeclarationError(f"code_postal {body['code_postal']!r} invalide : 5 chiffres attendus")
    if not _EMAIL.match(str(body["courriel_titulaire"])):
        raise DeclarationError("courriel_titulaire invalide")
    if body["role_tiers"] not in ROLES:
        raise DeclarationError(f"role_tiers {body['role_tiers']!r} invalide ; valeurs admises : {', '.join(ROLES)}")
    dates = {}
    for name in ("date_debut_droit_acces", "date_fin_droit_acces",
                 "perim_donnees_conso_debut", "perim_donnees_conso_fin"):
        try:
            dates[name] = date.fromisoformat(str(body[name]))
        except ValueError:
            raise DeclarationError(f"{name} {body[name]!r} invalide : date AAAA-MM-JJ attendue") from None
    if dates["date_fin_droit_acces"] < dates["date_debut_droit_acces"]:
        raise DeclarationError("date_fin_droit_acces est antérieure à date_debut_droit_acces")
    if dates["perim_donnees_conso_fin"] < dates["perim_donnees_conso_debut"]:
        raise DeclarationError("perim_donnees_conso_fin est antérieure à perim_donnees_conso_debut")
    for flag in SCOPE_FLAGS:
        if body.get(flag, "Faux") not in ("Vrai", "Faux"):
            raise DeclarationError(f"{flag} doit valoir \"Vrai\" ou \"Faux\"")
    if not any(body.get(flag) == "Vrai" for flag in SCOPE_FLAGS):
        raise DeclarationError("le périmètre est vide : au moins un perim_donnees_* doit valoir \"Vrai\"")
    keep = REQUIRED + SCOPE_FLAGS + ("raison_sociale", "nom_titulaire")
    fields = {name: body[name] for name in keep if body.get(name) not in (None, "")}
    for flag in SCOPE_FLAGS:
        fields.setdefault(flag, "Faux")
    return fields
