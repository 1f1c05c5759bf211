"""The consent a mandate gives, in the words the grid operators ask for.

- Enedis SGE orders (CommandeCollectePublicationMesures, M023, ...) declare the customer's
  agreement: `accord`, the consenting natural or legal person, and the access frame.
- GRDF ADICT access-right declarations (`PUT /pce/{pce}/droit_acces`) need the holder's postal
  code and e-mail, the right's dates, the company or holder name, the third party's role and
  the scope flags ("Vrai"/"Faux").
Both raise ConsentFieldsError when the mandate is not signed or does not cover what is asked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from collecte.consent.mandates import Mandate

SGE_ACCESS_FRAME = "ACCORD_CLIENT"
ADICT_ROLE = "AUTORISE_CONTRAT_FOURNITURE"


class ConsentFieldsError(ValueError):
    """The mandate cannot back an operator request."""


def _require_signed(mandate: Mandate, on: date | None) -> None:
    if mandate.status != "signed":
        raise ConsentFieldsError(f"mandate {mandate.id} is {mandate.status}, not signed")
    if on is not None and not mandate.in_force(on):
        raise ConsentFieldsError(f"mandate {mandate.id} is not in force on {on.isoformat()}")


def sge_consent_fields(mandate: Mandate, on: date | None = None) -> dict[str, Any]:
    """`declarationAccordClient` and `cadreAcces` of an SGE order, from a signed mandate.

    Legal person: `{"accord": True, "personneMorale": {"denominationSociale": ...}}`; natural person:
    `{"accord": True, "personnePhysique": {"civilite", "nom", "prenom"}}` (the SGE schema's elements,
    nothing more). `mandat` carries the mandate's id, dates, SIRET / NAF and evidence key for the
    caller's own records; it is not sent to SGE.
    """
    _require_signed(mandate, on)
    if mandate.person_type == "legal":
        person: dict[str, Any] = {"personneMorale": {"denominationSociale": mandate.company_name}}
    else:
        person = {"personnePhysique": {"civilite": mandate.civility or "", "nom": mandate.surname,
                                       "prenom": mandate.first_name}}
    return {
        "declarationAccordClient": {"accord": True, **person},
        "cadreAcces": SGE_ACCESS_FRAME,
        "mandat": {"id": mandate.id, "dateDebut": mandate.start_date.isoformat(),
                   "dateFin": mandate.end_date.isoformat(), "siret": mandate.siret, "naf": mandate.naf,
                   "signeLe": mandate.signed_at.isoformat()
                   if mandate.signed_at else None, "preuve": mandate.evidence_key},
    }


def _flag(value: bool) -> str:
    return "Vrai" if value else "Faux"


def adict_access_right_fields(mandate: Mandate, *, history_start: date | None = None) -> dict[str, Any]:
    """Body of GRDF's `PUT /pce/{pce}/droit_acces` from a signed mandate.

    The consumption scope starts at `history_start` (default: the mandate's start) and ends with the
    mandate; the flags follow the mandate's data kinds.
    """
    _require_signed(mandate, None)
    if not mandate.postal_code or not mandate.signatory_email:
        raise ConsentFieldsError(f"mandate {mandate.id} lacks the holder's postal code or e-mail")
    kinds = set(mandate.data_kinds)
    body: dict[str, Any] = {
        "code_postal": mandate.postal_code,
        "courriel_titulaire": mandate.signatory_email,
        "date_debut_droit_acces": mandate.start_date.isoformat(),
        "date_fin_droit_acces": mandate.end_date.isoformat(),
        "role_tiers": ADICT_ROLE,
        "perim_donnees_conso_debut": (history_start or mandate.start_date).isoformat(),
        "perim_donnees_conso_fin": mandate.end_date.isoformat(),
        "perim_donnees_contractuelles": _flag("contract" in kinds),
        "perim_donnees_techniques": _flag("technical" in kinds),
        "perim_donnees_informatives": _flag(bool(kinds & {"daily", "index"})),
        "perim_donnees_publiees": _flag(bool(kinds & {"consumption", "invoices"})),
    }
    if mandate.person_type == "legal":
        body["raison_sociale"] = mandate.company_name
    else:
        body["nom_titulaire"] = mandate.surname
    return body
