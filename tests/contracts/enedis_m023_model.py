"""What an M023 curve result (flux R63) looks like, written from the public real files, not from collecte.

Sources (see docs/M023.md):
- name and packaging: Energie-De-Nantes/electricore electricore/ingestion/config/flux.yaml (results of
  M023 in `R63_R64_R65_R66_R67_C68/`, `*_R6x_*.zip` holding a JSON) and docs/spikes/nc/lander_r67_m023.py
  (`ENEDIS_R67_P_*.zip`); the PROMEOS ingestion tests (`ENEDIS_R63_P_CdC_M053Q0D3_00001_20230918161101.zip`
  holding `…​.json` or `….csv` of the same base name);
- CSV columns and the wall-clock `Horodate`: the public sample
  `19125759625988;2023-03-13 00:00:00;2025-03-13 00:00:00;PA;CONS;BRUT;W;2023-03-13 00:30:00;692;B;PT30M;0;0`;
  UTF-8 with BOM and empty values for missing points: Enedis's CSV results in consometers/sge-tiers
  CommandeTransmissionHistoriqueMesures/*/Enedis_SGE_HDM_*.csv;
- JSON: the real anonymised R64/R67 results (electricore tests/fixtures/flux/r64.json, r67.json):
  `header` keys, `mesures[].idPrm`, `periode` with `YYYY-MM-DD HH:MM:SS`, wall-clock `d`.
"""

from __future__ import annotations

import re

ARCHIVE_NAME = re.compile(r"^ENEDIS_R63_P_CdC_[0-9A-Z]{8}_\d{5}_\d{14}\.zip$")
CSV_HEADER = ("Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;Etape métier;Unité;"
              "Horodate;Valeur;Nature;Pas;Indice de vraisemblance;Etat complémentaire")
WALL = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
CSV_ROW = re.compile(rf"^\d{{14}};{WALL};{WALL};PA;(CONS|PROD);BRUT;W;{WALL};(-?\d+)?;[A-Z];PT\d+M;\d*;\d*$")
JSON_HEADER_KEYS = {"siDemandeur", "typeDestinataire", "idDestinataire", "codeFlux", "idDemande",
                    "modePublication", "idCanalContact", "format", "publicationCrp"}
JSON_POINT_KEYS = {"d", "v", "p", "n", "tc", "iv", "ec"}
WALL_RE = re.compile(rf"^{WALL}$")


def check_member_name(archive: str, member: str) -> list[str]:
    """The one result file is named like its archive, with the format's extension."""
    base = archive[:-4]
    return [] if member in (f"{base}.csv", f"{base}.json", f"{base}.JSON") else [f"member {member} of {archive}"]


def check_csv(raw: bytes) -> list[str]:
    """Problems of a CSV result against the published shape (empty list: conforms)."""
    problems = []
    if not raw.startswith(b"\xef\xbb\xbf"):
        problems.append("no UTF-8 BOM")
    lines = raw.decode("utf-8-sig").split("\n")
    if lines[0] != CSV_HEADER:
        problems.append(f"header {lines[0]!r}")
    for number, line in enumerate(lines[1:], start=2):
        if line and not CSV_ROW.match(line):
            problems.append(f"line {number}: {line!r}")
    return problems


def check_json(document: dict) -> list[str]:
    """Problems of a JSON result against the published shape."""
    problems = []
    header = document.get("header") or {}
    if set(header) - JSON_HEADER_KEYS or header.get("codeFlux") != "R63" or header.get("format") != "JSON":
        problems.append(f"header {header}")
    for mesure in document.get("mesures") or []:
        if not re.fullmatch(r"\d{14}", mesure.get("idPrm", "")):
            problems.append(f"idPrm {mesure.get('idPrm')}")
        periode = mesure.get("periode") or {}
        if not (WALL_RE.match(periode.get("dateDebut", "")) and WALL_RE.match(periode.get("dateFin", ""))):
            problems.append(f"periode {periode}")
        for grandeur in mesure.get("grandeur") or []:
            if grandeur.get("grandeurPhysique") != "PA" or grandeur.get("unite") != "W" \
                    or grandeur.get("grandeurMetier") not in ("CONS", "PROD"):
                problems.append(f"grandeur {({k: v for k, v in grandeur.items() if k != 'points'})}")
            for point in grandeur.get("points") or []:
                if set(point) - JSON_POINT_KEYS or not WALL_RE.match(str(point.get("d"))) \
                        or not re.fullmatch(r"PT\d+M", str(point.get("p"))):
                    problems.append(f"point {point}")
    return problems


# R67 (billing measures), keys per level exactly as in the four real anonymised results of
# Energie-De-Nantes/electricore tests/fixtures/flux/r67.json
R67_KEYS = {
    "mesure": {"idPrm", "periode", "contexte"},
    "contexte": {"etapeMetier", "idMotifReleve", "libelleMotifReleve", "grandeur"},
    "grandeur": {"grandeurMetier", "grandeurPhysique", "unite", "calendrier"},
    "calendrier": {"codeGrille", "libelleGrille", "codeCalendrier", "libelleCalendrier", "classeTemporelle"},
    "classeTemporelle": {"idClasseTemporelle", "libelleClasseTemporelle", "quantite"},
    "quantite": {"dateCreation", "dbtMesure", "finMesure", "codeNature", "libelleNature", "codeStatut",
                 "libelleStatut", "quantite"},
}
R67_ARCHIVE_NAME = re.compile(r"^ENEDIS_R67_P_[A-Za-z]+_[0-9A-Z]{8}_\d{5}_\d{14}\.zip$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_r67(document: dict) -> list[str]:
    """Problems of an R67 JSON result against the real files' shape."""
    problems = []
    header = document.get("header") or {}
    if set(header) != JSON_HEADER_KEYS or header.get("codeFlux") != "R67":
        problems.append(f"header {header}")

    def keys(level: str, item: dict) -> None:
        if set(item) != R67_KEYS[level]:
            problems.append(f"{level} keys {sorted(item)}")

    for mesure in document.get("mesures") or []:
        keys("mesure", mesure)
        periode = mesure.get("periode") or {}
        if not (WALL_RE.match(periode.get("dateDebut", "")) and WALL_RE.match(periode.get("dateFin", ""))):
            problems.append(f"periode {periode}")
        for context in mesure.get("contexte") or []:
            keys("contexte", context)
            for grandeur in context.get("grandeur") or []:
                keys("grandeur", grandeur)
                if (grandeur.get("grandeurMetier"), grandeur.get("grandeurPhysique"), grandeur.get("unite")) != \
                        ("CONS", "EA", "Wh"):
                    problems.append(f"grandeur {grandeur.get('grandeurPhysique')}")
                for calendar in grandeur.get("calendrier") or []:
                    keys("calendrier", calendar)
                    if calendar.get("codeGrille") not in ("D", "F"):
                        problems.append(f"codeGrille {calendar.get('codeGrille')}")
                    for klass in calendar.get("classeTemporelle") or []:
                        keys("classeTemporelle", klass)
                        for item in klass.get("quantite") or []:
                            keys("quantite", item)
                            if not (DAY_RE.match(item.get("dbtMesure", "")) and DAY_RE.match(item.get("finMesure", ""))
                                    and WALL_RE.match(item.get("dateCreation", "")) and isinstance(item.get("quantite"), int)):
                                problems.append(f"quantite {item}")
    return problems
