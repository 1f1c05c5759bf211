"""Enedis SGE stand-in, built from Enedis's WSDL/XSD files (sandbox.enedis.xsd) and real answers.

Endpoints are the WSDLs' own paths (POST, SOAP 1.1): /ConsultationDonneesTechniquesContractuelles/v1.0,
/ConsultationMesuresDetaillees/v3.0, /CommandeCollectePublicationMesures/v3.0,
/CommandeArretServiceSouscritMesures/v1.0, /RechercheServicesSouscritsMesures/v1.0,
/CommandeHistoriqueDonneesMesuresFines/v1.0 and /CommandeHistoriqueDonneesMesuresFacturantes/v1.0.

Every request is validated against the service's XSD first: an invalid one gets a SOAP fault
SGT562 ("le message de demande est malformé"), as Enedis answers, never a success. Every answer
the stand-in builds is validated too before it leaves (a bug here fails loudly). Scenarios:

- curve not activated until ordered (CURVE_NOT_ACTIVATED): no curve (SGT4L9) before the
  CommandeCollectePublicationMesures CDC order, from its day on afterwards;
- M023: the result (R63: a ZIP holding the CSV or JSON the order asked for, see `m023_csv`;
  R67 for billing measures) appears in the SFTP folder `m023_delay_seconds` later, written whole
  under a temporary name then renamed, AES-encrypted with the flows key when flows are delivered; an order over 10,000 points is refused SGT4L8;
- more than 7 days of curve in ConsultationMesuresDetaillees: SGT4L8;
- `faults.fail_next` (control endpoint): the next calls answer SGT500 (a technical error);
- CommandeCollectePublicationMesures again for a live service of the same kind is a renewal when
  its dateFin is later (the service keeps its id and gets the new end), SGT570 otherwise; a
  subscription lapses at its dateFin (listed TERMINE) unless renewed;
- a revoked consent (CONSENT_REVOKED): SGT4G2; a point that never was: SGT401; stopping an
  unknown service: SGT4O3; a period ending after today: SGT4K1; start not before end: SGT4K4.
"""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from datetime import date, datetime, timedelta

from lxml import etree

from sandbox.enedis import measures, soap, xsd
from sandbox.enedis.dataconnect import PRM_RE, Answer, local_text
from sandbox.enedis.meters import MeterProfile, profile
from sandbox.enedis.state import SandboxState

M023_MAX_POINTS = 10_000
CURVE_MAX_DAYS = 7
XML = {"Content-Type": "text/xml; charset=utf-8"}
CLASS_LABELS = {"BASE": "Base", "HP": "Heures Pleines", "HC": "Heures Creuses",
                "HPH": "Heures Pleines Hiver", "HCH": "Heures Creuses Hiver",
                "HPB": "Heures Pleines Saison Basse", "HCB": "Heures Creuses Saison Basse"}


class SgeFault(Exception):
    """An SGE refusal answered as a SOAP Fault."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message

    def answer(self) -> Answer:
        """HTTP 500 with the Fault envelope (SOAP 1.1)."""
        return Answer(500, soap.fault(self.code, self.message), XML)



XSD_SEGMENTS = ("C2", "C3", "C4", "C5")  # dictionnaire v5.0 segment codes besides INDET

def handle(state: SandboxState, path: str, body: bytes) -> Answer:
    """Answer one SOAP request posted to `path`."""
    service = xsd.service_at(path)
    if service is None:
        raise SgeFault("SGT500", f"aucun service SGE à l'adresse {path}")
    with state.lock:  # injected outage: the next N calls (Data Connect or SGE) fail technically
        outage = state.faults.fail_next > 0
        state.faults.fail_next -= 1 if outage else 0
    if outage:
        raise SgeFault("SGT500", "Une erreur technique est survenue")
    problems = xsd.problems(body, service, "request")
    if problems:
        raise SgeFault("SGT562", "Problème : le message de demande est malformé : " + "; ".join(problems)[:200])
    request = etree.fromstring(body).find(f"{{{xsd.SOAP_NS}}}Body")[0]
    handler = _HANDLERS[service.name]
    root = handler(state, service, request)
    out = soap.serialize(root)
    own = xsd.problems(out, service, "response")
    if own:
        raise RuntimeError(f"sandbox SGE answer of {service.name} is not valid: {own}")
    return Answer(200, out, XML)


def _login(request: etree._Element) -> str:
    for path in (".//initiateurLogin", ".//loginUtilisateur"):
        found = request.findtext(path)
        if found:
            return found
    return "inconnu@example.fr"


def _meter(prm: str | None) -> MeterProfile:
    if not prm or not PRM_RE.match(prm) or prm.startswith("0000"):
        raise SgeFault("SGT401", "Demande non recevable : point inexistant")
    return profile(prm)


def _readable(meter: MeterProfile) -> None:
    if meter.consent_revoked:
        raise SgeFault("SGT4G2", "Le demandeur n'est pas éligible à la consultation des données de mesures sur le point.")
    if meter.moved_out:
        raise SgeFault("SGT4L7", "La demande de consultation d'historiques de mesure ne concerne pas le client "
                                 "actuel du point")


def _period(state: SandboxState, request: etree._Element, *, until_today: bool = True) -> tuple[date, date]:
    first = date.fromisoformat(request.findtext(".//dateDebut"))
    end = date.fromisoformat(request.findtext(".//dateFin"))
    if first >= end:
        raise SgeFault("SGT4K4", "La date de début doit être antérieure à la date de fin.")
    if until_today and end > state.today:
        raise SgeFault("SGT4K1", "La date de fin doit être antérieure ou égale à la date du jour.")
    return first, end


def _affaire(state: SandboxState) -> str:
    return "M" + state.next_affaire()[-7:]  # AffaireIdType: [0-9A-Z]{4,8}


# -- ConsultationDonneesTechniquesContractuelles ----------------------------------------------
def _technical(state: SandboxState, service: xsd.Service, request: etree._Element) -> etree._Element:
    meter = _meter(request.findtext("pointId"))
    root, answer = soap.answer(service, _login(request), point=meter.prm)
    point = soap.add(answer, "point", id=meter.prm)
    general = soap.add(point, "donneesGenerales")
    soap.coded(general, "etatContractuel", "SERVC", "En service")
    address = soap.add(general, "adresseInstallation")
    soap.fields(address, [("numeroEtNomVoie", "12 RUE DE LA GARE"), ("codePostal", "69003")])
    soap.coded(address, "commune", "69383", "LYON 3E ARRONDISSEMENT")
    soap.add(general, "dateDerniereModificationFormuleTarifaireAcheminement", meter.last_activation)
    # the dictionary's segment enumeration has no producer segment (P1-P4): a production-only point is
    # INDET here (no public SGE answer shows what Enedis sends for one); seen in make demo's telereleve
    soap.coded(general, "segment", meter.segment if meter.segment in XSD_SEGMENTS else "INDET")
    soap.add(general, "niveauOuvertureServices", 2)
    supply = soap.add(soap.add(point, "situationAlimentation"), "alimentationPrincipale")
    soap.coded(supply, "domaineTension", "BTSUP" if meter.segment == "C4" else "BTINF")
    counting = soap.add(point, "situationComptage")
    device = soap.add(counting, "dispositifComptage")
    soap.coded(device, "typeComptage", "CI" if meter.segment == "C4" else "CCB")
    counter = soap.add(soap.add(device, "compteurs"), "compteur")
    soap.add(counter, "matricule", f"0{meter.prm[-11:]}")
    classes = measures.time_classes(meter)
    if classes != ["BASE"]:
        soap.add(counter, "plagesHeuresCreuses", "HC (22H00-6H00)")
    structure = soap.add(soap.add(point, "situationContractuelle"), "structureTarifaire")
    soap.coded(structure, "formuleTarifaireAcheminement", meter.fta)
    maximum = soap.add(structure, "puissanceSouscriteMax")
    soap.fields(maximum, [("valeur", meter.subscribed_kva), ("unite", "kVA")])
    if meter.segment == "C4":
        levels = soap.add(soap.add(structure, "denivelePuissances"), "classesTemporelles")
        for cls in classes:
            level = soap.coded(levels, "classeTemporelle", cls, CLASS_LABELS[cls])
            soap.fields(soap.add(level, "puissance"), [("valeur", meter.subscribed_kva), ("unite", "kVA")])
    return root


# -- ConsultationMesuresDetaillees v3 ----------------------------------------------------------
def _days(first: date, end: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((end - first).days)]


def _measures(state: SandboxState, service: xsd.Service, request: etree._Element) -> etree._Element:
    demande = request.find("demande")
    meter = _meter(demande.findtext("pointId"))
    _readable(meter)
    kind = demande.findtext("mesuresTypeCode")
    first, end = _period(state, demande)
    direction = "PROD" if demande.findtext("sens") == "INJECTION" else "CONS"
    if (direction == "PROD" and not meter.produces) or (direction == "CONS" and not meter.consumes):
        raise SgeFault("SGT583", "La demande ne peut pas aboutir, le sens de la mesure ne correspond pas.")
    if kind == "COURBE" and (end - first).days > CURVE_MAX_DAYS:
        raise SgeFault("SGT4L8", "La durée demandée n'est pas compatible avec le type de mesure demandé")
    if kind == "COURBE" and meter.curve_needs_activation:
        since = state.curve_activated.get(meter.prm)
        if since is None or since >= end:
            raise SgeFault("SGT4L9", "Aucune mise à disposition de courbe de charge n'a été demandée sur la "
                                     "période de consultation demandée")
        first = max(first, since)
    root, answer = soap.answer(service, _login(request))
    soap.add(answer, "pointId", meter.prm)
    if kind != "INDEX":
        soap.add(answer, "mesuresCorrigees", "BRUT")
    period = soap.add(answer, "periode")
    soap.fields(period, [("dateDebut", first), ("dateFin", end)])
    if kind == "INDEX":
        _index(meter, answer, first, end, direction)
        return root
    grandeur = soap.add(answer, "grandeur")
    quantity, unit = {"COURBE": ("PA", "W"), "ENERGIE": ("EA", "Wh"), "PMAX": ("PMA", "VA")}[kind]
    soap.fields(grandeur, [("grandeurMetier", direction), ("grandeurPhysique", quantity), ("unite", unit)])
    count = 0
    for day in _days(first, end):
        if kind == "COURBE":
            for p in measures.day_curve(meter, day):
                soap.fields(soap.add(grandeur, "points"), [("v", p.power_w), ("d", local_text(p.end)),
                                                           ("p", f"PT{meter.step_minutes}M"), ("n", "B"),
                                                           ("iv", 0), ("ec", 0)])
                count += 1
        elif kind == "ENERGIE":
            energy = measures.day_energy_wh(meter, day)
            if energy is not None:
                soap.fields(soap.add(grandeur, "points"), [("v", energy), ("d", day)])
                count += 1
        else:
            top = measures.day_max_power(meter, day)
            if top is not None:
                soap.fields(soap.add(grandeur, "points"), [("v", top[0]), ("d", local_text(top[1]))])
                count += 1
    if not count:
        raise SgeFault("SGT4G3", "Aucune mesure trouvée sur ce point.")
    if kind == "ENERGIE":
        soap.add(answer, "typeValeur", "GLOBALE")
    soap.add(answer, "modeCalcul", "DIFF.INDEX" if kind == "ENERGIE" else "MESURE")
    if kind != "COURBE":
        soap.add(answer, "pas", "P1D")
    return root


def _index(meter: MeterProfile, answer: etree._Element, first: date, end: date, direction: str) -> None:
    measures.warm_index(meter, end)
    days = [d for d in _days(first, end) if not measures.is_gap_day(meter, d)]
    if not days:
        raise SgeFault("SGT4G3", "Aucune mesure trouvée sur ce point.")
    context = soap.add(answer, "contexte")
    soap.fields(context, [("etapeMetier", "BRUT"), ("contexteReleve", "COL"), ("typeReleve", "AQ")])
    grandeur = soap.add(context, "grandeur")
    soap.fields(grandeur, [("grandeurMetier", direction), ("grandeurPhysique", "EA"), ("unite", "Wh")])
    calendar = soap.add(grandeur, "calendrier")
    classes = measures.time_classes(meter)
    soap.fields(calendar, [("idCalendrier", "DI000001" if classes == ["BASE"] else "DI000002"),
                           ("libelleCalendrier", f"{len(classes)} cadran(s)")])
    for rank, cls in enumerate(classes, 1):
        klass = soap.add(calendar, "classeTemporelle")
        soap.fields(klass, [("idClasseTemporelle", cls), ("libelleClasseTemporelle", CLASS_LABELS[cls]),
                            ("codeCadran", f"IDX_EAS_F{rank}")])
        for day in days:
            value = dict(measures.index_at(meter, day))[cls]
            soap.fields(soap.add(klass, "valeur"), [("d", local_text(measures.paris_midnight(day))), ("v", value),
                                                   ("iv", 0)])


# -- CommandeCollectePublicationMesures v3 -----------------------------------------------------
FICHES = {("CDC", "C5"): ("F300C", "Collecte et transmission récurrente de la courbe de charge", "F300CO1"),
          ("IDX", "C5"): ("F305", "Transmission récurrente des index quotidiens et puissances maximales quotidiennes",
                          None),
          ("CDC", "C4"): ("F375", "Courbes de charge et de tension", None),
          ("IDX", "C4"): ("F380", "Index quotidiens et autres données du compteur", None)}


def _subscribe(state: SandboxState, service: xsd.Service, request: etree._Element) -> etree._Element:
    demande = request.find("demande")
    meter = _meter(demande.findtext("donneesGenerales/pointId"))
    access = demande.find("accesMesures")
    if access.findtext("declarationAccordClient/accord") not in ("true", "1"):
        raise SgeFault("SGT4K2", "Le client doit avoir donné son accord pour la transmission de ses données de mesure.")
    if meter.consent_revoked:
        raise SgeFault("SGT4G2", "Le demandeur n'est pas éligible à la consultation des données de mesures sur le point.")
    first = date.fromisoformat(access.findtext("dateDebut"))
    last_text = access.findtext("dateFin")
    if not last_text:
        raise SgeFault("SGT4H4", "La date de fin doit être renseignée et la durée demandée pour l'accès aux données "
                                 "de mesures ne doit pas excéder 1 an.")
    last = date.fromisoformat(last_text)
    if last <= first:
        raise SgeFault("SGT4K4", "La date de début doit être antérieure à la date de fin.")
    if last > first + timedelta(days=366):
        raise SgeFault("SGT4H4", "La date de fin doit être renseignée et la durée demandée pour l'accès aux données "
                                 "de mesures ne doit pas excéder 1 an.")
    kind = access.findtext("mesuresTypeCode")
    if kind not in ("CDC", "IDX"):
        raise SgeFault("SGT463", "Problème : les données renseignées dans la demande sont incorrectes ou incohérentes.")
    recurring = access.findtext("transmissionRecurrente") == "true"
    fiche, label, option = FICHES[(kind, "C4" if meter.segment == "C4" else "C5")]
    affaire = _affaire(state)
    with state.lock:
        active = [s for s in state.services[meter.prm] if s["mesuresTypeCode"] == kind and _live(state, s)]
        if active and last <= active[0]["dateFin"]:
            raise SgeFault("SGT570", "Le service demandé est déjà actif sur la période demandée.")
        if active:  # a renewal: the same order again, ending later than the live one (a year at most)
            active[0]["dateFin"] = last
            service_id = active[0]["serviceSouscritId"]
        else:
            service_id = str(64_697_000 + int(affaire[1:]))
            if kind == "CDC":
                state.curve_activated.setdefault(meter.prm, state.today)
            state.services[meter.prm].append({
                "serviceSouscritId": service_id, "mesuresTypeCode": kind, "prestation": fiche, "libelle": label,
                "etatCode": "ACTIF" if recurring else "EN_COURS", "dateDebut": first, "dateFin": last,
                "mesuresPas": access.findtext("mesuresPas"), "recurring": recurring})
    root, answer = soap.answer(service, _login(request), point=meter.prm, affaire=affaire)
    soap.add(answer, "affaireId", affaire)
    prestation = soap.add(soap.add(answer, "prestations"), "prestation")
    soap.add(prestation, "rang", 1)
    soap.coded(prestation, "fiche", fiche, label)
    if option and recurring:
        soap.coded(prestation, "option", option, "Transmission récurrente")
    soap.add(answer, "serviceSouscritId", service_id)
    return root


def _live(state: SandboxState, service: dict) -> bool:
    """Active and not past its end (a subscription lapses at its dateFin unless renewed)."""
    return service["etatCode"] == "ACTIF" and service["dateFin"] > state.today


# -- CommandeArretServiceSouscritMesures -------------------------------------------------------
def _stop(state: SandboxState, service: xsd.Service, request: etree._Element) -> etree._Element:
    demande = request.find("demande")
    meter = _meter(demande.findtext("donneesGenerales/pointId"))
    service_id = demande.findtext("arretServiceSouscrit/serviceSouscritId")
    with state.lock:
        found = [s for s in state.services[meter.prm] if s["serviceSouscritId"] == service_id]
        if not found:
            raise SgeFault("SGT4O3", "La demande ne peut pas aboutir, le service souscrit n'est pas connu pour le "
                                     "point renseigné.")
        if found[0]["etatCode"] == "TERMINE":
            raise SgeFault("SGT4O4", "L'état du service souscrit ne permet pas de réaliser cette demande.")
        found[0]["etatCode"] = "TERMINE"
        found[0]["dateFin"] = state.today
        found[0]["motifFinLibelle"] = "Arrêt à la demande du tiers"
    affaire = _affaire(state)
    root, answer = soap.answer(service, _login(request), point=meter.prm, affaire=affaire)
    soap.add(answer, "affaireId", affaire)
    return root


# -- RechercherServicesSouscritsMesures --------------------------------------------------------
def _search(state: SandboxState, service: xsd.Service, request: etree._Element) -> etree._Element:
    meter = _meter(request.findtext("criteres/pointId"))
    contract = request.findtext("criteres/contratId")
    with state.lock:
        found = [dict(s) for s in state.services[meter.prm]]
        for item in found:
            if item["etatCode"] == "ACTIF" and not _live(state, item):  # lapsed: not renewed in time
                item["etatCode"] = "TERMINE"
    root, answer = soap.answer(service, _login(request), point=meter.prm)
    if not found:
        return root
    listing = soap.add(answer, "servicesSouscritsMesures")
    for item in found:
        entry = soap.add(listing, "serviceSouscritMesures")
        soap.fields(entry, [("serviceSouscritId", item["serviceSouscritId"]), ("pointId", meter.prm)])
        soap.coded(entry, "serviceSouscritType", item["prestation"], item["libelle"])
        soap.fields(entry, [("serviceSouscritLibelle", item["libelle"]), ("injection", False), ("soutirage", True),
                            ("contratId", contract), ("etatCode", item["etatCode"]),
                            ("dateDebut", item["dateDebut"]), ("dateFin", item["dateFin"]),
                            ("motifFinLibelle", item.get("motifFinLibelle")),
                            ("mesuresTypeCode", item["mesuresTypeCode"]), ("mesuresPas", item["mesuresPas"]),
                            ("mesuresCorrigees", False),
                            ("periodiciteTransmission", "P1D" if item["recurring"] else None)])
    return root


# -- M023 ------------------------------------------------------------------------------------
def _history(state: SandboxState, service: xsd.Service, request: etree._Element) -> etree._Element:
    demande = request.find("demande")
    meters = [_meter(p.text) for p in demande.iterfind("pointIds/pointId")]
    for meter in meters:
        _readable(meter)
    first, end = _period(state, demande)
    billing = service.name.endswith("Facturantes")
    measure = demande.findtext("mesuresTypeCode") or "FACTURANTES"
    if measure == "COURBES":
        for meter in meters:
            points = (end - first).days * 24 * 60 // meter.step_minutes
            if points > M023_MAX_POINTS:
                raise SgeFault("SGT4L8", f"La durée demandée n'est pas compatible avec le type de mesure demandé "
                                         f"({points} points pour {meter.prm}, au plus {M023_MAX_POINTS})")
    affaire = _affaire(state)
    fmt = demande.findtext("format") or "CSV"
    # billing measures (R67): only the JSON layout is public, so only JSON orders get their file here
    deliver = _deliver_billing if billing and fmt == "JSON" else _deliver if measure == "COURBES" else None
    if state.sftp_dir is not None and deliver is not None:
        timer = threading.Timer(state.m023_delay_seconds, deliver, (state, affaire, meters, first, end, fmt))
        timer.daemon = True
        state.timers.append(timer)
        timer.start()
    root = etree.Element(f"{{{xsd.SOAP_NS}}}Envelope", nsmap={"soap": xsd.SOAP_NS})
    body = etree.SubElement(root, f"{{{xsd.SOAP_NS}}}Body")
    etree.SubElement(body, service.response.text, nsmap={"ns2": service.response.namespace}).text = affaire
    return root


# The R63 result as the public sources show it (docs/M023.md): a ZIP per order on the SFTP drop,
# ENEDIS_R63_P_CdC_<affaire>_<seq>_<stamp>.zip, holding one file of the same base name in the format
# the order asked (CSV: `;`, UTF-8 with BOM, 13 columns, Paris wall-clock `Horodate`; JSON: header +
# mesures/grandeur/points). A missing measure is a row with an empty value.
M023_COLUMNS = ("Identifiant PRM", "Date de début", "Date de fin", "Grandeur physique", "Grandeur métier",
                "Etape métier", "Unité", "Horodate", "Valeur", "Nature", "Pas", "Indice de vraisemblance",
                "Etat complémentaire")
M023_JSON_HEADER = {"siDemandeur": "SGE", "typeDestinataire": "ACM", "idDestinataire": "GRD-F000",
                    "codeFlux": "R63", "modePublication": "P", "idCanalContact": "Interne",
                    "publicationCrp": "non"}


def m023_points(meter: MeterProfile, first: date, end: date, activated: date | None
                ) -> list[tuple[datetime, int | None, int]]:
    """(end instant UTC, W or None for a missing measure, step minutes) of every curve point recorded."""
    out: list[tuple[datetime, int | None, int]] = []
    day = first
    while day < end:
        if not meter.curve_needs_activation or (activated and day >= activated):
            points = measures.day_curve(meter, day)
            if points:
                out.extend((p.end, p.power_w, p.step) for p in points)
            else:  # a day the meter recorded nothing: its stamps come with no value
                moment, stop = measures.paris_midnight(day), measures.paris_midnight(day + timedelta(days=1))
                while moment < stop:
                    step = meter.step_at(moment)
                    moment += timedelta(minutes=step)
                    out.append((moment, None, step))
        day += timedelta(days=1)
    return out


def m023_csv(meters: list[MeterProfile], first: date, end: date, activated: dict[str, date]) -> bytes:
    """The CSV result of an M023 curve order (R63): BOM, 13 columns, Paris wall clock, empty value = no measure."""
    lines = [";".join(M023_COLUMNS)]
    for meter in meters:
        direction = "PROD" if meter.produces and not meter.consumes else "CONS"
        for moment, value, step in m023_points(meter, first, end, activated.get(meter.prm)):
            lines.append(f"{meter.prm};{first} 00:00:00;{end} 00:00:00;PA;{direction};BRUT;W;{local_text(moment)};"
                         f"{'' if value is None else value};B;PT{step}M;0;0")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def m023_json(meters: list[MeterProfile], first: date, end: date, activated: dict[str, date], affaire: str) -> bytes:
    """The JSON result of an M023 curve order (R63)."""
    mesures = []
    for meter in meters:
        points = [{"d": local_text(moment), **({} if value is None else {"v": value}), "p": f"PT{step}M", "n": "B",
                   "iv": 0} for moment, value, step in m023_points(meter, first, end, activated.get(meter.prm))]
        mesures.append({"idPrm": meter.prm, "etapeMetier": "BRUT",
                        "periode": {"dateDebut": f"{first} 00:00:00", "dateFin": f"{end} 00:00:00"},
                        "grandeur": [{"grandeurMetier": "PROD" if meter.produces and not meter.consumes else "CONS",
                                      "grandeurPhysique": "PA", "unite": "W", "points": points}]})
    header = {**M023_JSON_HEADER, "idDemande": affaire, "format": "JSON"}
    return json.dumps({"header": header, "mesures": mesures}, ensure_ascii=False).encode("utf-8")


def m023_archive_name(affaire: str, stamp: datetime, sequence: int = 1) -> str:
    """ENEDIS_R63_P_CdC_<affaire>_<seq:5>_<yyyymmddHHMMSS>.zip."""
    return f"ENEDIS_R63_P_CdC_{affaire}_{sequence:05d}_{stamp:%Y%m%d%H%M%S}.zip"


def _deliver(state: SandboxState, affaire: str, meters: list[MeterProfile], first: date, end: date,
             fmt: str = "CSV") -> None:
    name = m023_archive_name(affaire, datetime.now(measures.PARIS))
    with state.lock:
        activated = dict(state.curve_activated)
    body = m023_json(meters, first, end, activated, affaire) if fmt == "JSON" else \
        m023_csv(meters, first, end, activated)
    _write_archive(state, name, name[:-4] + (".json" if fmt == "JSON" else ".csv"), body)


def m023_billing_json(meters: list[MeterProfile], first: date, end: date, affaire: str,
                      created: datetime | None = None) -> bytes:
    """The R67 result of an M023 billing-measures order: per month of [first, end), the energy of each time
    class of the distributor grid (the meter's index registers) and the supplier grid total (Base)."""
    created = created or datetime.now(measures.PARIS)
    bounds = [first]
    while bounds[-1] < end:
        nxt = (bounds[-1].replace(day=1) + timedelta(days=32)).replace(day=1)
        bounds.append(min(nxt, end))
    mesures = []
    for meter in meters:
        if not meter.consumes:
            continue
        measures.warm_index(meter, end)
        classes = measures.time_classes(meter)
        periods = [(a, b, dict(measures.index_at(meter, a)), dict(measures.index_at(meter, b)))
                   for a, b in zip(bounds, bounds[1:], strict=False) if a < b]

        def quantity(start: date, stop: date, wh: int) -> dict:
            return {"dateCreation": created.strftime("%Y-%m-%d %H:%M:%S"), "dbtMesure": start.isoformat(),
                    "finMesure": stop.isoformat(), "codeNature": "R", "libelleNature": "Réel", "codeStatut": "I",
                    "libelleStatut": "Initial", "quantite": wh}

        distributor = {"codeGrille": "D", "libelleGrille": "Distributeur",
                       "codeCalendrier": "DI000001" if classes == ["BASE"] else "DI000002",
                       "libelleCalendrier": f"{len(classes)} cadran(s)",
                       "classeTemporelle": [{"idClasseTemporelle": cls, "libelleClasseTemporelle": CLASS_LABELS[cls],
                                             "quantite": [quantity(a, b, after[cls] - before[cls])
                                                          for a, b, before, after in periods]} for cls in classes]}
        supplier = {"codeGrille": "F", "libelleGrille": "Fournisseur", "codeCalendrier": "FC000010",
                    "libelleCalendrier": "Base",
                    "classeTemporelle": [{"idClasseTemporelle": "BASE", "libelleClasseTemporelle": "Base",
                                          "quantite": [quantity(a, b, sum(after.values()) - sum(before.values()))
                                                       for a, b, before, after in periods]}]}
        mesures.append({"idPrm": meter.prm,
                        "periode": {"dateDebut": f"{first} 00:00:00", "dateFin": f"{end} 00:00:00"},
                        "contexte": [{"etapeMetier": "FACT", "idMotifReleve": "CYCL",
                                      "libelleMotifReleve": "Relevé Cyclique",
                                      "grandeur": [{"grandeurMetier": "CONS", "grandeurPhysique": "EA", "unite": "Wh",
                                                    "calendrier": [distributor, supplier]}]}]})
    header = {**M023_JSON_HEADER, "codeFlux": "R67", "idDemande": affaire, "format": "JSON"}
    return json.dumps({"header": header, "mesures": mesures}, ensure_ascii=False).encode("utf-8")


def _deliver_billing(state: SandboxState, affaire: str, meters: list[MeterProfile], first: date, end: date,
                     fmt: str = "JSON") -> None:
    # the type token of R67 names is not public (R63 has CdC, R64 INDEX): "FACT" is this stand-in's choice
    name = f"ENEDIS_R67_P_FACT_{affaire}_00001_{datetime.now(measures.PARIS):%Y%m%d%H%M%S}.zip"
    _write_archive(state, name, name[:-4] + ".json", m023_billing_json(meters, first, end, affaire))


def _write_archive(state: SandboxState, name: str, member: str, body: bytes) -> None:
    folder = state.sftp_dir
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, body)
    content = buffer.getvalue()
    if state.flows is not None:  # the SFTP drop's publications are AES-encrypted with the third party's key
        from sandbox.enedis.flows import _cipher

        content = _cipher(state.flows.key_hex, state.flows.iv_hex)(content)
    partial = folder / f".{name}.part"
    partial.write_bytes(content)
    os.replace(partial, folder / name)  # appears whole, never half-written


_HANDLERS = {
    "ConsultationDonneesTechniquesContractuelles": _technical,
    "ConsultationMesuresDetailleesV3": _measures,
    "CommandeCollectePublicationMesures": _subscribe,
    "CommandeArretServiceSouscritMesures": _stop,
    "RechercheServicesSouscritsMesures": _search,
    "CommandeHistoriqueDonneesMesuresFines": _history,
    "CommandeHistoriqueDonneesMesuresFacturantes": _history,
}
