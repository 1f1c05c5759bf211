"""Contract and technical data → one `meter_contract` row per meter and source.

Data Connect spreads it over four endpoints (situation, synthesis, metering, general data); SGE's
ConsultationDonneesTechniquesContractuelles gives it in one answer. Both end up in the same row shape.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from collecte.metering.records import METER_CONTRACT


def _address(value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    parts = [value.get("numeroEtNomVoie"), " ".join(p for p in (value.get("codePostal"), value.get("commune")) if p)]
    return ", ".join(p for p in parts if p) or None


def _powers(entries: list[dict[str, Any]]) -> dict[str, float]:
    return {str(e["classeTemporelle"]): float(e.get("valeur", e.get("puissance", {}).get("valeur")))
            for e in entries}


def dataconnect_contract(meter_id: str, payloads: dict[str, dict[str, Any]], raw_key: str,
                         valid_at: datetime) -> dict[str, Any]:
    """Row from the four Data Connect contract payloads (keys: resource names)."""
    situation = payloads.get("situation_contrat_auto", {})
    synthesis = payloads.get("synth_contrat_auto", {})
    metering = payloads.get("comptage_auto", {})
    general = payloads.get("donnees_generales_auto", {})
    powers = _powers(situation.get("puissancesSouscrites") or [])
    holder = (situation.get("titulaire") or {}).get("organisation") or {}
    activation = synthesis.get("dateDerniereMiseEnService")
    return {
        "meter_id": meter_id, "source": "enedis", "segment": situation.get("segment") or synthesis.get("segment"),
        "fta": situation.get("formuleTarifaireAcheminement"), "tariff_option": situation.get("optionTarifaire"),
        "subscribed_powers_kva": json.dumps(powers, sort_keys=True),
        "max_subscribed_kva": max(powers.values()) if powers else None,
        "off_peak_hours": metering.get("heuresCreuses"), "status": situation.get("statutContrat"),
        "last_activation_date": date.fromisoformat(activation) if activation else None,
        "holder": holder.get("raisonSociale"), "address": _address(general.get("adresse")),
        "valid_at": valid_at.astimezone(UTC), "raw_key": raw_key,
    }


def sge_contract(meter_id: str, point: dict[str, Any], raw_key: str, valid_at: datetime) -> dict[str, Any]:
    """Row from SGE technical and contractual data (the `point` element as a dict)."""
    general = point.get("donneesGenerales") or {}
    contractual = point.get("situationContractuelle") or {}
    structure = contractual.get("structureTarifaire") or {}
    entries = (structure.get("puissancesSouscrites") or {}).get("puissanceSouscrite") or []
    entries = entries if isinstance(entries, list) else [entries]
    powers = {str(e["classeTemporelle"]): float(e["puissance"]["valeur"]) for e in entries}
    metering = point.get("situationComptage") or {}
    activation = contractual.get("dateDerniereMiseEnService")
    maximum = (structure.get("puissanceSouscriteMax") or {}).get("valeur")
    return {
        "meter_id": meter_id, "source": "enedis_sge", "segment": general.get("segment"),
        "fta": structure.get("formuleTarifaireAcheminement"), "tariff_option": structure.get("optionTarifaire"),
        "subscribed_powers_kva": json.dumps(powers, sort_keys=True),
        "max_subscribed_kva": float(maximum) if maximum else (max(powers.values()) if powers else None),
        "off_peak_hours": metering.get("heuresCreuses") or None, "status": general.get("etatContractuel"),
        "last_activation_date": date.fromisoformat(activation) if activation else None,
        "holder": None, "address": _address(general.get("adresseInstallation")),
        "valid_at": valid_at.astimezone(UTC), "raw_key": raw_key,
    }


def contract_rows(rows: list[dict[str, Any]]) -> list[tuple]:
    """Tuples in `meter_contract` column order."""
    return [tuple(row[c] for c in METER_CONTRACT.column_names) for row in rows]
