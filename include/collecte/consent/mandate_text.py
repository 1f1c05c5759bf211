"""The text of a data mandate, in French, generated for one entity and its meters and accounts.

The text is what the signatory reads and what the SHA-256 in the evidence covers: it is stored
with the mandate and never regenerated after signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

DATA_KIND_LABELS: dict[str, str] = {
    "invoices": "les factures et leurs données (espaces clients des fournisseurs)",
    "consumption": "l'historique de consommation facturée",
    "daily": "les consommations et productions quotidiennes",
    "load_curve": "la courbe de charge (puissance moyenne au pas de 10 à 60 minutes)",
    "max_power": "la puissance maximale atteinte quotidiennement",
    "index": "les index des compteurs par classe temporelle",
    "contract": "les données contractuelles (tarif, puissance souscrite, option, statut)",
    "technical": "les données techniques du point de livraison (compteur, adresse, segment)",
    "telereleve": "la commande de services de télé-relève (activation de l'enregistrement de la "
                  "courbe de charge, transmission récurrente des mesures)",
}
OPERATOR_LABELS = {"enedis": "Enedis (électricité, PRM)", "grdf": "GRDF (gaz naturel, PCE)"}
PROCESSOR = "l'opérateur de la plateforme collecte"


@dataclass(frozen=True)
class Customer:
    """Who grants the mandate: a legal person (company) or a natural person."""

    person_type: str  # legal | natural
    company_name: str | None = None
    siret: str | None = None
    naf: str | None = None
    civility: str | None = None
    surname: str | None = None
    first_name: str | None = None
    address: str | None = None


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def mandate_text(*, customer: Customer, signatory_name: str, signatory_title: str | None,
                 signatory_email: str, data_kinds: Sequence[str], start: date, end: date,
                 meters: Sequence[tuple[str, str]], accounts: Sequence[tuple[str, str]]) -> str:
    """The mandate as plain French text; meters are (operator, id), accounts (supplier, id)."""
    if customer.person_type == "legal":
        who = f"La société {customer.company_name}"
        if customer.siret:
            who += f", SIRET {customer.siret}"
        if customer.naf:
            who += f", code NAF {customer.naf}"
        who += f", représentée par {signatory_name}"
        if signatory_title:
            who += f", {signatory_title}"
        who += ", dûment habilité(e)"
    else:
        who = " ".join(p for p in (customer.civility, customer.first_name, customer.surname) if p)
    lines = [
        "MANDAT D'AUTORISATION DE COMMUNICATION DE DONNÉES À UN TIERS",
        "",
        f"{who} (ci-après « le Client »), autorise {PROCESSOR} (ci-après « le Mandataire ») à "
        "demander et recevoir, pour son compte, auprès des gestionnaires de réseau et de ses "
        "fournisseurs d'énergie, les données suivantes :",
        "",
        *[f"  - {DATA_KIND_LABELS[k]}" for k in data_kinds],
        "",
        "Pour les points de livraison et comptes suivants :",
        "",
    ]
    by_operator: dict[str, list[str]] = {}
    for operator, meter_id in meters:
        by_operator.setdefault(operator, []).append(meter_id)
    for operator, ids in sorted(by_operator.items()):
        lines.append(f"  {OPERATOR_LABELS.get(operator, operator)} : {', '.join(ids)}")
    by_supplier: dict[str, list[str]] = {}
    for supplier, account_id in accounts:
        by_supplier.setdefault(supplier, []).append(account_id)
    for supplier, ids in sorted(by_supplier.items()):
        lines.append(f"  Fournisseur {supplier}, compte(s) client : {', '.join(ids)}")
    if not by_operator and not by_supplier:
        lines.append("  (aucun)")
    lines += [
        "",
        f"Durée : du {_fr(start)} au {_fr(end)} inclus (trois ans au plus). L'historique disponible "
        "auprès des gestionnaires de réseau peut être demandé à la date de signature.",
        "",
        "Le Client peut révoquer ce mandat à tout moment depuis la page de gestion de ses mandats ; "
        "la collecte cesse alors dès la vérification suivante et ses données personnelles sont "
        "effacées selon le registre des traitements. Les identifiants d'accès aux espaces clients "
        "des fournisseurs, s'ils sont confiés, sont conservés dans un coffre de secrets et ne sont "
        "utilisés que pour cette collecte.",
        "",
        "Les données sont traitées conformément au Règlement (UE) 2016/679 (RGPD) : finalité de "
        "suivi et de contrôle des consommations et des factures d'énergie du Client, destinataires "
        "limités au Client et au Mandataire, durées de conservation publiées dans le registre des "
        "traitements. Le Client dispose d'un droit d'accès, de rectification et d'effacement.",
        "",
        f"Signataire : {signatory_name} <{signatory_email}>.",
        "Signature électronique par code à usage unique envoyé à l'adresse du signataire.",
    ]
    return "\n".join(lines) + "\n"
