"""Contract and technical data → one `meter_contract` row per meter and source.

Data Connect 2026 spreads it over four APIs (situation, synthesis, metering, general data), answered
in English snake_case (the `Situation-contractuelle-sync-auto.yaml` Swagger leaves the list's item
schema empty: the fields read here are those of its sub-definitions and of recorded real answers); SGE's
ConsultationDonneesTechniquesContractuelles gives it in one answer. Both end up in the same row shape.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from collecte.metering.records import METER_CONTRACT

WITHDRAWAL = "Contrat GRD-F"  # soutirage; "Contrat GRD-A" is injection (a producer's, or self-consumption's)


def _address(value: dict[str, Any] | None) -> str | None:
    """One line from a Data Connect `address` (donnees_generales_auto) or an SGE `adresseInstallation`."""
    if not value:
        return None
    if "number_street_name" in value or "postal_code_city" in value:
        parts = [value.get("staircase_floor_apartment"), value.get("building"), value.get("number_street_name"),
                 value.get("locality"), value.get("postal_code_city")]
        return ", ".join(str(p) for p in parts if p) or None
    parts = [value.get("numeroEtNomVoie"), " ".join(p for p in (value.get("codePostal"), value.get("commune")) if p)]
    return ", ".join(p for p in parts if p) or None


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", ".")) if value not in (None, "") else None
    except ValueError:
        return None


def choose_contracts(situation: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(withdrawal contract, injection contract or None) from a `situation_contrat_auto` answer (a list).

    A self-consumption PRM has two: withdrawal (`Contrat GRD-F`, C5, with `subscribed_power`) and injection
    (`Contrat GRD-A`, P4, no power); the withdrawal one is the meter's contract. A production-only point has
    only the injection one, which is then the contract.
    """
    contracts = [c for c in (situation if isinstance(situation, list) else [situation] if situation else [])
                 if isinstance(c, dict)]
    withdrawal = [c for c in contracts if c.get("contract_type") == WITHDRAWAL or c.get("subscribed_power")]
    chosen = withdrawal[0] if withdrawal else (contracts[0] if contracts else {})
    others = [c for c in contracts if c is not chosen]
    return chosen, (others[0] if others else None)


def activation_day(value: Any) -> date | None:
    """The local day of a Data Connect date `2018-08-31T00:00:00+0200` (the Swagger's pattern)."""
    if not value:
        return None
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").date()
    except ValueError:
        return date.fromisoformat(str(value)[:10])


def dataconnect_contract(meter_id: str, payloads: dict[str, Any], raw_key: str,
                         valid_at: datetime) -> dict[str, Any]:
    """Row from the Data Connect 2026 contract answers (keys: resource names; any may be missing).

    `situation_contrat_auto` (a list, English snake_case), `synth_contrat_auto` (activation dates),
    `comptage_auto` (`relais.plageHeuresCreuses`), `donnees_generales_auto` (`address`).
    """
    contract, injection = choose_contracts(payloads.get("situation_contrat_auto"))
    synthesis = payloads.get("synth_contrat_auto") or {}
    metering = payloads.get("comptage_auto") or {}
    general = payloads.get("donnees_generales_auto") or {}
    power = contract.get("subscribed_power") or {}
    kva = _number(power.get("value"))
    if kva is not None and str(power.get("unit") or "kVA").lower() in ("va", "w"):
        kva /= 1000
    powers = {"BASE": kva} if kva is not None else {}
    segments = [s.get("segment") for s in synthesis.get("segments") or [] if isinstance(s, dict)]
    production_only = contract.get("contract_type") not in (None, WITHDRAWAL) and not power
    activation = synthesis.get("generation_last_activation_date" if production_only
                               else "consumption_last_activation_date")
    organization = contract.get("organization") or {}
    injection_doc = None
    if injection:
        injection_doc = json.dumps({"contract_type": injection.get("contract_type"),
                                    "segment": injection.get("segment"),
                                    "contract_start": injection.get("contract_start"),
                                    "generation_last_activation_date":
                                        synthesis.get("generation_last_activation_date")}, sort_keys=True)
    return {
        "meter_id": meter_id, "source": "enedis",
        "segment": contract.get("segment") or (segments[0] if segments else None),
        "fta": contract.get("distribution_tariff"), "tariff_option": None,
        "subscribed_powers_kva": json.dumps(powers, sort_keys=True),
        "max_subscribed_kva": kva, "off_peak_hours": (metering.get("relais") or {}).get("plageHeuresCreuses"),
        "status": None, "last_activation_date": activation_day(activation),
        "holder": organization.get("name") or organization.get("commercial_name"),
        "address": _address(general.get("address")),
        "valid_at": valid_at.astimezone(UTC), "raw_key": raw_key, "injection_contract": injection_doc,
    }


def _code(value: Any) -> Any:
    return value.get("@code") if isinstance(value, dict) else value


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def sge_contract(meter_id: str, point: dict[str, Any], raw_key: str, valid_at: datetime) -> dict[str, Any]:
    """Row from SGE ConsultationDonneesTechniquesContractuelles (the `point` element as a dict, codes as `@code`)."""
    general = point.get("donneesGenerales") or {}
    structure = (point.get("situationContractuelle") or {}).get("structureTarifaire") or {}
    levels = ((structure.get("denivelePuissances") or {}).get("classesTemporelles") or {}).get("classeTemporelle")
    powers = {str(_code(e)): float(e["puissance"]["valeur"]) for e in _listed(levels)}
    maximum = (structure.get("puissanceSouscriteMax") or {}).get("valeur")
    if maximum and not powers:
        powers = {"BASE": float(maximum)}
    device = ((point.get("situationComptage") or {}).get("dispositifComptage") or {})
    counters = _listed((device.get("compteurs") or {}).get("compteur"))
    off_peak = next((c.get("plagesHeuresCreuses") for c in counters if c.get("plagesHeuresCreuses")), None) \
        or (device.get("relais") or {}).get("plageHeuresCreuses")
    address = dict(general.get("adresseInstallation") or {})
    address["commune"] = (address.get("commune") or {}).get("libelle") if isinstance(address.get("commune"), dict) \
        else address.get("commune")
    return {
        "meter_id": meter_id, "source": "enedis_sge", "segment": _code(general.get("segment")),
        "fta": _code(structure.get("formuleTarifaireAcheminement")), "tariff_option": None,
        "subscribed_powers_kva": json.dumps(powers, sort_keys=True),
        "max_subscribed_kva": float(maximum) if maximum else (max(powers.values()) if powers else None),
        "off_peak_hours": off_peak or None, "status": _code(general.get("etatContractuel")),
        "last_activation_date": None, "holder": None, "address": _address(address),
        "valid_at": valid_at.astimezone(UTC), "raw_key": raw_key, "injection_contract": None,
    }


def contract_rows(rows: list[dict[str, Any]]) -> list[tuple]:
    """Tuples in `meter_contract` column order."""
    return [tuple(row[c] for c in METER_CONTRACT.column_names) for row in rows]
