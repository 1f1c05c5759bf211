"""Enedis SGE stand-in: technical data, télé-relève orders, and M023 history files by SFTP.

Operations (POST /sge/<Operation>, SOAP 1.1): ConsultationDonneesTechniquesContractuelles,
CommandeCollectePublicationMesures (activates load-curve recording and/or subscribes recurring
transmission; F300C for curves, F305 for daily index + max power), CommandeArretServiceSouscritMesures,
RechercherServicesSouscritsMesures, CommandeHistoriqueDonneesMesuresFines (M023: asynchronous; its
CSV result file appears in the SFTP folder after `m023_delay_seconds`). Every order must declare the
customer's consent (`declarationAccordClient`: accord true plus a natural or legal person).

Result codes: SGT200 success; SGT4L8 period too long (M023 over 10,000 points); SGT4B4 consent
declaration missing or incomplete (sandbox's own code); SGT401 unknown point; SGT4N1 unknown service.
"""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta
from typing import Any

from sandbox.enedis import measures, soap
from sandbox.enedis.dataconnect import PRM_RE, Answer
from sandbox.enedis.meters import MeterProfile, profile
from sandbox.enedis.state import SandboxState

M023_MAX_POINTS = 10_000


class SgeFault(Exception):
    """An SGE error answered as a SOAP Fault."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message

    def answer(self) -> Answer:
        """HTTP 500 with the Fault envelope."""
        return Answer(500, soap.fault(self.code, self.message), {"Content-Type": "text/xml; charset=utf-8"})


def _ok(operation: str, content: dict[str, Any]) -> Answer:
    body = soap.response(operation, {"resultat": {"@code": "SGT200", "libelle": "Succès"}, **content})
    return Answer(200, body, {"Content-Type": "text/xml; charset=utf-8"})


def _find(content: Any, key: str) -> Any:
    """First value of `key` anywhere in a nested dict."""
    if isinstance(content, dict):
        if key in content:
            return content[key]
        for value in content.values():
            found = _find(value, key)
            if found is not None:
                return found
    if isinstance(content, list):
        for value in content:
            found = _find(value, key)
            if found is not None:
                return found
    return None


def _meter(content: dict[str, Any]) -> MeterProfile:
    prm = _find(content, "pointId")
    if not isinstance(prm, str) or not PRM_RE.match(prm):
        raise SgeFault("SGT401", "Point inconnu ou identifiant invalide")
    return profile(prm)


def _consent(content: dict[str, Any]) -> None:
    accord = _find(content, "declarationAccordClient")
    if not isinstance(accord, dict) or str(accord.get("accord", "")).lower() != "true":
        raise SgeFault("SGT4B4", "Déclaration d'accord client absente")
    person = accord.get("personnePhysique")
    company = accord.get("personneMorale")
    if not ((isinstance(person, dict) and person.get("nom")) or
            (isinstance(company, dict) and company.get("denominationSociale"))):
        raise SgeFault("SGT4B4", "Accord client incomplet: personne physique ou morale requise")


def _day(content: dict[str, Any], key: str) -> date:
    try:
        return date.fromisoformat(str(_find(content, key)))
    except ValueError:
        raise SgeFault("SGT4E1", f"{key} absent ou invalide") from None


def handle(state: SandboxState, operation: str, content: dict[str, Any]) -> Answer:
    """Dispatch one SGE operation."""
    handlers = {
        "consultationDonneesTechniquesContractuelles": _technical,
        "commandeCollectePublicationMesures": _subscribe,
        "commandeArretServiceSouscritMesures": _stop,
        "rechercherServicesSouscritsMesures": _search,
        "commandeHistoriqueDonneesMesuresFines": _m023,
    }
    name = operation[0].lower() + operation[1:]
    if name not in handlers:
        raise SgeFault("SGT500", f"Opération inconnue {operation}")
    return handlers[name](state, content)


def _technical(state: SandboxState, content: dict[str, Any]) -> Answer:
    meter = _meter(content)
    if str(_find(content, "autorisationClient")).lower() != "true":
        raise SgeFault("SGT4B4", "autorisationClient doit être vrai")
    classes = measures.time_classes(meter)
    powers = [{"classeTemporelle": c, "puissance": {"@unite": "kVA", "valeur": meter.subscribed_kva}}
              for c in (classes if meter.segment == "C4" else ["BASE"])]
    return _ok("consultationDonneesTechniquesContractuelles", {"point": {
        "@id": meter.prm,
        "donneesGenerales": {"etatContractuel": "SERVC", "segment": meter.segment,
                             "niveauOuvertureServices": "2",
                             "dateDerniereModificationFormuleTarifaireAcheminement": "2024-08-01",
                             "adresseInstallation": {"numeroEtNomVoie": "12 rue de la Gare",
                                                     "codePostal": "69003", "commune": "LYON"}},
        "situationAlimentation": {"alimentationPrincipale": {"domaineTension": "BTINF" if meter.segment != "C4"
                                                              else "BTSUP"}},
        "situationComptage": {"dispositifComptage": {"compteurs": {"compteur": {
            "modeleCompteur": "Linky" if meter.segment in ("C5", "P4") else "PME-PMI",
            "courbeActivee": str(not meter.curve_needs_activation or meter.prm in state.curve_activated).lower()}}},
            "heuresCreuses": None if classes == ["BASE"] else "HC (22H00-6H00)",
            "pasCourbe": f"PT{meter.step_minutes}M"},
        "situationContractuelle": {"structureTarifaire": {
            "formuleTarifaireAcheminement": meter.fta, "optionTarifaire": meter.tariff_option,
            "puissanceSouscriteMax": {"@unite": "kVA", "valeur": meter.subscribed_kva},
            "puissancesSouscrites": {"puissanceSouscrite": powers}},
            "dateDerniereMiseEnService": meter.last_activation.isoformat()},
    }})


def _subscribe(state: SandboxState, content: dict[str, Any]) -> Answer:
    meter = _meter(content)
    _consent(content)
    first, last = _day(content, "dateDebut"), _day(content, "dateFin")
    if last <= first:
        raise SgeFault("SGT4E1", "dateFin doit suivre dateDebut")
    kind = str(_find(content, "mesuresTypeCode") or "CDC").upper()
    recurring = str(_find(content, "transmissionRecurrente")).lower() == "true"
    fiche = "F300C" if kind == "CDC" else "F305"
    affaire = state.next_affaire()
    service_id = f"SS{affaire[1:]}"
    with state.lock:
        if kind == "CDC":
            state.curve_activated.setdefault(meter.prm, state.today)
        state.services[meter.prm].append({
            "serviceSouscritId": service_id, "mesuresTypeCode": kind, "prestation": fiche,
            "etatCode": "ACTIF" if recurring else "EN_COURS", "dateDebut": first.isoformat(),
            "dateFin": last.isoformat()})
    return _ok("commandeCollectePublicationMesures",
               {"affaireId": affaire, "serviceSouscritId": service_id,
                "prestations": {"prestation": {"rang": 1, "fiche": fiche,
                                               "option": "TRANSMISSION" if recurring else "ACTIVATION"}}})


def _stop(state: SandboxState, content: dict[str, Any]) -> Answer:
    meter = _meter(content)
    service_id = _find(content, "serviceSouscritId")
    with state.lock:
        services = [s for s in state.services[meter.prm] if s["serviceSouscritId"] == service_id]
        if not services:
            raise SgeFault("SGT4N1", f"Service souscrit {service_id} inconnu pour ce point")
        services[0]["etatCode"] = "TERMINE"
    return _ok("commandeArretServiceSouscritMesures", {"affaireId": state.next_affaire()})


def _search(state: SandboxState, content: dict[str, Any]) -> Answer:
    meter = _meter(content)
    with state.lock:
        services = [dict(s) for s in state.services[meter.prm]]
    return _ok("rechercherServicesSouscritsMesures",
               {"servicesSouscritsMesures": {"serviceSouscritMesures": services}})


def _m023(state: SandboxState, content: dict[str, Any]) -> Answer:
    _consent(content)
    prms = _find(content, "pointId")
    prms = prms if isinstance(prms, list) else [prms]
    meters = [_meter({"pointId": p}) for p in prms]
    first, end = _day(content, "dateDebut"), _day(content, "dateFin")
    if end <= first or end > state.today:
        raise SgeFault("SGT4E1", "période invalide")
    for meter in meters:
        points = (end - first).days * 24 * 60 // meter.step_minutes
        if points > M023_MAX_POINTS:
            raise SgeFault("SGT4L8", f"Période trop longue: {points} points pour {meter.prm} "
                                     f"(au plus {M023_MAX_POINTS})")
    affaire = state.next_affaire()
    if state.sftp_dir is not None:
        timer = threading.Timer(state.m023_delay_seconds, _deliver, (state, affaire, meters, first, end))
        timer.daemon = True
        state.timers.append(timer)
        timer.start()
    return _ok("commandeHistoriqueDonneesMesuresFines", {"affaireId": affaire})


M023_HEADER = ("Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;Etape métier;"
               "Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;Etat complémentaire")


def m023_csv(meter: MeterProfile, first: date, end: date, activated: date | None) -> str:
    """The CSV result of an M023 curve order for one PRM (ISO times with offset, W values)."""
    lines = [M023_HEADER]
    day = first
    while day < end:
        if not meter.curve_needs_activation or (activated and day >= activated):
            for point in measures.day_curve(meter, day):
                stamp = point.end.astimezone(measures.PARIS).isoformat()
                lines.append(f"{meter.prm};{first};{end};PA;{'PROD' if meter.produces else 'CONS'};BRUT;W;"
                             f"{stamp};{point.power_w};B;PT{meter.step_minutes}M;null;null")
        day += timedelta(days=1)
    return "\n".join(lines) + "\n"


def _deliver(state: SandboxState, affaire: str, meters: list[MeterProfile], first: date, end: date) -> None:
    folder = state.sftp_dir
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    for meter in meters:
        name = f"ENEDIS_M023_{affaire}_{meter.prm}_{first:%Y%m%d}_{end:%Y%m%d}.csv"
        text = m023_csv(meter, first, end, state.curve_activated.get(meter.prm))
        partial = folder / f".{name}.part"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, folder / name)  # appears whole, never half-written
