"""SGE result codes (`resultat/@code` of an acquittement or of a fault's `tec:erreur`) and what they mean.

The labels are Enedis's own, from the annex "Codes retour B2B Tiers" (Enedis.SGE.AX.0466, v1.5.0) of
the B2B guide for third parties. What collecte does with a code is in `_KIND`: consent and access
problems flag the meter, our own mistakes fail at once without retry, SGE trouble is retried.
"""

from __future__ import annotations

from collecte.sources.enedis.errors import (
    EnedisError,
    NoConsent,
    NoData,
    RequestRejected,
    SgeFault,
    Transient,
)

SUCCESS = "SGT200"
MALFORMED = "SGT562"       # the request is not valid against the service's schema
PERIOD_TOO_LONG = "SGT4L8"

CODES: dict[str, str] = {
    "SGT200": "Succès",
    "SGT400": "Une erreur fonctionnelle est survenue.",
    "SGT401": "Demande non recevable : point inexistant",
    "SGT402": "Les conditions d'utilisation du service ne sont pas respectées.",
    "SGT422": "La situation du point ne permet pas de répondre à la demande.",
    "SGT423": "Le code NAF renseigné n'est pas connu.",
    "SGT426": "Le numéro SIRET saisi n'est pas valide.",
    "SGT427": "Le secteur d'activité du client final doit être renseigné.",
    "SGT430": "Un client final doit être renseigné.",
    "SGT431": "Une demande de prestation identique est en cours sur le point.",
    "SGT432": "Le code postal renseigné n'est pas connu.",
    "SGT433": "L'interlocuteur client doit être renseigné.",
    "SGT440": "Le délai d'anticipation de la demande n'est pas autorisé.",
    "SGT445": "Le point est en fourniture provisoire.",
    "SGT450": "Une demande de prestation contractuelle est en cours sur le point.",
    "SGT451": "Problème: une donnée obligatoire est absente",
    "SGT463": "Problème : les données renseignées dans la demande sont incorrectes ou incohérentes. La demande ne peut pas être prise en compte",
    "SGT466": "Le point est sur un contrat de type producteur.",
    "SGT470": "Le point n'est pas dans le périmètre du fournisseur à la date d'intervention souhaitée.",
    "SGT471": "Le contrat saisi n'existe pas.",
    "SGT472": "Le numéro de contrat renseigné ne correspond pas à l'acteur initiateur.",
    "SGT473": "Le contrat n'est pas actif à la date souhaitée.",
    "SGT476": "La demande n'est pas compatible avec le dispositif de comptage.",
    "SGT483": "Demande non recevable : l'utilisateur ne possède pas les habilitations nécessaires pour effectuer l'opération souhaitée",
    "SGT488": "Le point est résilié.",
    "SGT495": "Problème: aucune information n'est disponible sur ce point",
    "SGT4B2": "Cette demande n'est pas compatible avec l'état d'alimentation du point.",
    "SGT4F10": "Pour une recherche hors périmètre, la taille de l'attribut « nomClientFinalOuDenominationSociale » doit être supérieure ou égale à 3 caractères.",
    "SGT4F6": "La commune transmise n'est pas reconnue.",
    "SGT4F7": "Les critères renseignés ne sont pas suffisants.",
    "SGT4F8": "La recherche de points renvoie trop de résultats. Veuillez affiner les critères de recherche.",
    "SGT4G1": "Le demandeur n'est pas éligible à la consultation des données de mesures sur la période demandée.",
    "SGT4G2": "Le demandeur n'est pas éligible à la consultation des données de mesures sur le point.",
    "SGT4G3": "Aucune mesure trouvée sur ce point.",
    "SGT4H1": "La date de début doit être strictement égale à la date du jour.",
    "SGT4H2": "La demande ne peut pas aboutir, les données de mesures ne sont pas corrigées pour un point du segment C5.",
    "SGT4H3": "La valeur du pas de mesure demandée n'est pas autorisée.",
    "SGT4H4": "La date de fin doit être renseignée et la durée demandée pour l'accès aux données de mesures ne doit pas excéder 1 an.",
    "SGT4H5": "La fréquence demandée n'est pas autorisée.",
    "SGT4H6": "La demande ne peut pas être une collecte seule pour l'accès aux données des index quotidiens, puissances maximales quotidiennes et autres données du compteur. Veuillez modifier votre demande.",
    "SGT4H7": "La demande ne peut aboutir, le client s'est opposé à l'enregistrement de la courbe de charge sur le compteur.",
    "SGT4H8": "La demande ne peut pas aboutir, le segment du point n'est pas compatible avec la demande.",
    "SGT4H9": "La demande ne porte pas sur un point équipé d'un compteur communicant ouvert aux services niveau 2.",
    "SGT4K1": "La date de fin doit être antérieure ou égale à la date du jour.",
    "SGT4K2": "Le client doit avoir donné son accord pour la transmission de ses données de mesure.",
    "SGT4K4": "La date de début doit être antérieure à la date de fin.",
    "SGT4L1": "Il n'existe aucun contrat actif sur le point à la date de la demande",
    "SGT4L2": "Il est impossible d'identifier le type de demandeur",
    "SGT4L3": "Il est impossible d'identifier le demandeur",
    "SGT4L4": "Il est impossible d'identifier le code de la prestation catalogue",
    "SGT4L5": "Aucun demandeur n'est décrit dans la demande à instruire",
    "SGT4L6": "Le demandeur n'est pas un client final connu sur ce point ou est différent du client final sur ce point",
    "SGT4L7": "La demande de consultation d'historiques de mesure ne concerne pas le client actuel du point",
    "SGT4L8": "La durée demandée n'est pas compatible avec le type de mesure demandé",
    "SGT4L9": "Aucune mise à disposition de courbe de charge n'a été demandée sur la période de consultation demandée",
    "SGT4M1": "Demande non recevable : Le point est résilié",
    "SGT4M2": "Demande non recevable : Le point n'a jamais été mis en service",
    "SGT4M3": "Demande non recevable : la situation du point nécessite un nouveau raccordement",
    "SGT4M4": "Demande non recevable : Le point est non réceptionné",
    "SGT4M5": "Le type de contrat n'est pas cohérent avec le numéro de contrat renseigné.",
    "SGT4M6": "L'état contractuel du point ne permet pas cette demande.",
    "SGT4M7": "La consultation des données de mesure n'est pas possible pour un point de regroupement TURPE.",
    "SGT4M8": "Le dispositif de comptage du point ne permet pas de consulter les données de courbe de charge.",
    "SGT4M9": "Les données d'index et de puissances maximales quotidiens ne peuvent pas être consultées sur ce type de point.",
    "SGT4N1": "La consultation de données de mesures n'est autorisée que sur la période sur laquelle le client est détenteur du point.",
    "SGT4N8": "La demande ne peut pas aboutir, le segment du point n'est pas compatible avec la demande",
    "SGT4O1": "La demande ne peut pas aboutir car le média de relevé n'est pas un boitier IP.",
    "SGT4O2": "La demande ne peut pas aboutir, vous n'êtes pas habilité à arrêter ce service souscrit.",
    "SGT4O3": "La demande ne peut pas aboutir, le service souscrit n'est pas connu pour le point renseigné.",
    "SGT4O4": "L'état du service souscrit ne permet pas de réaliser cette demande.",
    "SGT4O5": "La demande ne peut pas aboutir, une demande d'arrêt du même service souscrit est déjà en cours sur le point.",
    "SGT4O6": "Le client s'est opposé à l'enregistrement de la courbe de charge sur le compteur, l'arrêt du service souscrit est en cours.",
    "SGT4O7": "L'objet de la demande n'est pas celui attendu.",
    "SGT500": "Une erreur technique est survenue",
    "SGT502": "Problème : l'utilisateur demandeur ne fait pas partie de l'acteur de marché de provenance de la demande",
    "SGT504": "Problème : utilisateur non trouvé",
    "SGT506": "Problème: le service est momentanément indisponible. Veuillez renouveler votre demande ultérieurement.",
    "SGT562": "Problème : le message de demande est malformé",
    "SGT564": "Il n'est pas possible de transmettre les données de mesure corrigées à une fréquence quotidienne.",
    "SGT565": "La date de début doit être supérieure ou égale à la date du jour.",
    "SGT566": "Ce service nécessite l'accord du client.",
    "SGT567": "L'option contractuelle n'est pas active sur le point.",
    "SGT568": "La date de fin du service doit être supérieure ou égale à la date du jour.",
    "SGT569": "La date de fin du service ne peut pas être repoussée à une date ultérieure.",
    "SGT570": "Le service demandé est déjà actif sur la période demandée.",
    "SGT579": "Ce type de demande n'est pas disponible pour ce type de point.",
    "SGT583": "La demande ne peut pas aboutir, le sens de la mesure ne correspond pas.",
    "SGT584": "La demande ne peut pas aboutir, vous avez une demande strictement identique en cours qui date de moins de 30 minutes.",
    "SGT585": "Le sens de la mesure (injection et/ou soutirage) doit être précisé dans la demande.",
    "SGT587": "La demande ne peut pas aboutir, le client ne dispose pas d'un contrat en soutirage sur ce point.",
    "SGT588": "La demande ne peut pas aboutir, le client ne dispose pas d'un contrat en injection sur ce point.",
    "SGT589": "La demande ne peut pas aboutir car le compteur n'est actuellement pas téléopérable.",
}

_KIND: dict[str, type[EnedisError]] = {
    # no (longer) a right to this point's data
    "SGT4K2": NoConsent, "SGT566": NoConsent, "SGT4G1": NoConsent, "SGT4G2": NoConsent, "SGT4L6": NoConsent,
    "SGT4L7": NoConsent, "SGT4N1": NoConsent, "SGT483": NoConsent,
    # nothing to give
    "SGT4G3": NoData, "SGT4L9": NoData,
    # a request we built wrong or asked too much of
    "SGT562": RequestRejected, "SGT4L8": RequestRejected, "SGT4K4": RequestRejected, "SGT4K1": RequestRejected,
    "SGT451": RequestRejected, "SGT463": RequestRejected, "SGT4H3": RequestRejected, "SGT4H4": RequestRejected,
    # SGE trouble: retried with backoff
    "SGT500": Transient, "SGT506": Transient,
}


def meaning(code: str | None) -> str:
    """Enedis's label of an SGT code (or says it is not in the annex)."""
    return CODES.get(code or "", f"code {code} absent de l'annexe des codes retour")


def error_for(code: str, message: str, what: str) -> EnedisError:
    """The exception an SGT code stands for (SgeFault when it needs no special handling); `.code` is kept."""
    kind = _KIND.get(code, SgeFault)
    detail = (message or "").replace(meaning(code), "").strip(" :.")
    return kind(f"{what}: {code} {meaning(code)} {detail}".strip(), code=code)
