"""Access rights (droits d'accès) held by third parties on PCEs, as ADICT keeps them.

Fields and rules from real ADICT usage (lowatt/lowatt-grdf `lowatt_grdf/models.py`,
`lowatt_grdf/api.py`, `tests/test_api.py`) and ../shared/DOMAIN.md:

- a declaration (`PUT /pce/{pce}/droit_acces`) carries `code_postal`, `courriel_titulaire`,
  `date_debut_droit_acces`, `date_fin_droit_acces`, `role_tiers`, exactly ONE of `raison_sociale`
  or `nom_titulaire` (GRDF refuses both), the consumption perimeter `perim_donnees_conso_debut`/
  `_fin` for a supply role (`perim_donnees_inj_*` for an injection role, never both), optionally
  `numero_telephone_mobile_titulaire`, and the four flags `perim_donnees_*` as "Vrai"/"Faux";
- a right starts "A valider" (proofs "Preuve en attente"); the holder accepts ("Active") or
  refuses ("Refusée") by email (GRDF sends them in 15-minute batches); the third party may revoke
  ("Révoquée", `PATCH /droit_acces/{id}`); GRDF asks for a new check ("A revérifier"); past its
  end date a right is "Obsolète".

A listing line has the real record's names (`id_pce`, `raison_sociale_du_titulaire`,
`date_creation` "YYYY-MM-DD HH:MM:SS", `date_revocation`, ...).
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
    "Preuve en attente", "Preuve en cours de vérification", "Preuve Vérifiée OK", "Preuve Vérifiée KO")
PROOF_STATUSES = (PROOF_WAITING, PROOF_CHECKING, PROOF_OK, PROOF_KO)
ROLES = ("AUTORISE_CONTRAT_FOURNITURE", "DETENTEUR_CONTRAT_FOURNITURE",
         "AUTORISE_CONTRAT_INJECTION", "DETENTEUR_CONTRAT_INJECTION")
SCOPE_FLAGS = ("perim_donnees_contractuelles", "perim_donnees_techniques",
               "perim_donnees_informatives", "perim_donnees_publiees")
REQUIRED = ("code_postal", "courriel_titulaire", "date_debut_droit_acces", "date_fin_droit_acces",
            "role_tiers")
OPTIONAL = ("raison_sociale", "nom_titulaire", "numero_telephone_mobile_titulaire",
            "perim_donnees_conso_debut", "perim_donnees_conso_fin",
            "perim_donnees_inj_debut", "perim_donnees_inj_fin")
ALLOWED = REQUIRED + OPTIONAL + SCOPE_FLAGS
PCE_FORMAT = re.compile(r"^(\d{14}|GI\d{6})$")
THIRD_PARTY_NAME = "COLLECTE DEMO"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATES = ("date_debut_droit_acces", "date_fin_droit_acces", "perim_donnees_conso_debut",
          "perim_donnees_conso_fin", "perim_donnees_inj_debut", "perim_donnees_inj_fin")


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
    proof_status: str | None = PROOF_WAITING
    created_at: datetime = field(default_factory=datetime.now)
    proofs: list[dict[str, Any]] = field(default_factory=list)
    accept_automatically: bool = True
    changes: dict[str, str] = field(default_factory=dict)   # date_revocation, ... -> "YYYY-MM-DD HH:MM:SS"

    def effective_state(self, today: date) -> str:
        """The state as seen on `today` (a right past its end date is obsolete)."""
        if self.state in (ACTIVE, TO_VALIDATE, TO_RECHECK) and \
                date.fromisoformat(self.fields["date_fin_droit_acces"]) < today:
            return OBSOLETE
        return self.state

    def as_line(self, today: date) -> dict[str, Any]:
        """The right as ADICT lists it (names of the real listing record)."""
        f = self.fields
        state = self.effective_state(today)
        obsolete_on = self.changes.get("date_passage_a_obsolete")
        if state == OBSOLETE and obsolete_on is None:
            obsolete_on = f"{f['date_fin_droit_acces']} 00:00:00"
        return {
            "id_droit_acces": self.id,
            "id_pce": self.pce,
            "role_tiers": f["role_tiers"],
            "raison_sociale_du_tiers": THIRD_PARTY_NAME,
            "nom_titulaire": f.get("nom_titulaire"),
            "raison_sociale_du_titulaire": f.get("raison_sociale"),
            "courriel_titulaire": f["courriel_titulaire"],
            "code_postal": f["code_postal"],
            "numero_telephone_mobile_titulaire": f.get("numero_telephone_mobile_titulaire"),
            **{flag: f.get(flag, "Faux") for flag in SCOPE_FLAGS},
            "perim_donnees_conso_debut": f.get("perim_donnees_conso_debut"),
            "perim_donnees_conso_fin": f.get("perim_donnees_conso_fin"),
            "perim_donnees_inj_debut": f.get("perim_donnees_inj_debut"),
            "perim_donnees_inj_fin": f.get("perim_donnees_inj_fin"),
            "date_creation": self.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "date_debut_droit_acces": f["date_debut_droit_acces"],
            "date_fin_droit_acces": f["date_fin_droit_acces"],
            "etat_droit_acces": state,
            "date_revocation": self.changes.get("date_revocation"),
            "source_revocation": self.changes.get("source_revocation"),
            "date_passage_a_obsolete": obsolete_on,
            "source_passage_a_obsolete": "GRDF" if obsolete_on else None,
            "date_fin_autorisation": None,
            "date_passage_a_refuse": self.changes.get("date_passage_a_refuse"),
            "source_passage_a_refuse": "TITULAIRE" if self.changes.get("date_passage_a_refuse") else None,
            "parcours": "API",
            "statut_controle_preuve": self.proof_status,
            "date_limite_transmission_preuve": None,
        }

    def scope_flag(self, flag: str) -> bool:
        """Whether a perimeter flag is "Vrai"."""
        return self.fields.get(flag) == "Vrai"


def _date(body: dict[str, Any], name: str) -> date | None:
    if body.get(name) in (None, ""):
        return None
    try:
        return date.fromisoformat(str(body[name])) if len(str(body[name])) == 10 else None
    except ValueError:
        pass
    raise DeclarationError(f"{name} {body[name]!r} invalide : date AAAA-MM-JJ attendue")


def validate_declaration(pce: str, body: dict[str, Any]) -> dict[str, Any]:
    """The declaration's fields, or a DeclarationError naming what is wrong."""
    if not PCE_FORMAT.match(pce):
        raise DeclarationError(f"id_pce {pce!r} invalide : 14 chiffres ou GI suivi de 6 chiffres attendus")
    unknown = sorted(set(body) - set(ALLOWED))
    if unknown:
        raise DeclarationError("champ(s) inconnu(s) : " + ", ".join(unknown))
    missing = [name for name in REQUIRED if not body.get(name)]
    if missing:
        raise DeclarationError("champ(s) obligatoire(s) manquant(s) : " + ", ".join(missing))
    company, person = body.get("raison_sociale"), body.get("nom_titulaire")
    if company and person:
        raise DeclarationError("raison_sociale et nom_titulaire ne peuvent être renseignés ensemble : "
                               "un seul titulaire")
    if not company and not person:
        raise DeclarationError("raison_sociale ou nom_titulaire est obligatoire")
    if not re.fullmatch(r"\d{5}", str(body["code_postal"])):
        raise DeclarationError(f"code_postal {body['code_postal']!r} invalide : 5 chiffres attendus")
    if not _EMAIL.match(str(body["courriel_titulaire"])):
        raise DeclarationError("courriel_titulaire invalide")
    if body["role_tiers"] not in ROLES:
        raise DeclarationError(f"role_tiers {body['role_tiers']!r} invalide ; valeurs admises : {', '.join(ROLES)}")
    dates = {name: _date(body, name) for name in _DATES}
    if None in (dates["date_debut_droit_acces"], dates["date_fin_droit_acces"]):
        raise DeclarationError("date_debut_droit_acces et date_fin_droit_acces : dates AAAA-MM-JJ attendues")
    supply = "FOURNITURE" in body["role_tiers"]
    own, other = ("conso", "inj") if supply else ("inj", "conso")
    if not dates[f"perim_donnees_{own}_debut"] or not dates[f"perim_donnees_{own}_fin"]:
        raise DeclarationError(f"perim_donnees_{own}_debut et perim_donnees_{own}_fin sont obligatoires "
                               f"pour le rôle {body['role_tiers']}")
    if dates[f"perim_donnees_{other}_debut"] or dates[f"perim_donnees_{other}_fin"]:
        raise DeclarationError(f"perim_donnees_{other}_* est interdit pour le rôle {body['role_tiers']}")
    if dates["date_fin_droit_acces"] < dates["date_debut_droit_acces"]:
        raise DeclarationError("date_fin_droit_acces est antérieure à date_debut_droit_acces")
    if dates[f"perim_donnees_{own}_fin"] < dates[f"perim_donnees_{own}_debut"]:
        raise DeclarationError(f"perim_donnees_{own}_fin est antérieure à perim_donnees_{own}_debut")
    for flag in SCOPE_FLAGS:
        if body.get(flag, "Faux") not in ("Vrai", "Faux"):
            raise DeclarationError(f"{flag} doit valoir \"Vrai\" ou \"Faux\"")
    fields = {name: body[name] for name in ALLOWED if body.get(name) not in (None, "")}
    for flag in SCOPE_FLAGS:
        fields.setdefault(flag, "Faux")
    return fields
