"""The records ADICT answers for one PCE: published and informative consumption, contract, technical.

Published data appear two days after the end of their period and stay "Provisoire" for ten
days, then "Définitive". Informative data (daily) appear the next day; they are "Définitive"
for days already covered by a published period, "Provisoire" (estimated) after that.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sandbox.grdf.pce_data import (
    TARIFF_PROFILE,
    index_m3,
    period_coefficient,
    profile,
    published_periods,
    unit,
)

PUBLISHED_DELAY = timedelta(days=2)
DEFINITIVE_AFTER = timedelta(days=10)


def vrai(flag: bool) -> str:
    """ADICT's booleans."""
    return "Vrai" if flag else "Faux"


def _reading(pce: str, day: date, which: str, estimated: bool) -> dict[str, Any]:
    return {
        "date_releve": day.isoformat(),
        f"index_brut_{which}": index_m3(pce, day),
        "raison_releve": "Relève cyclique",
        "qualification_releve": "Estimé" if estimated else "Mesuré",
    }


def _consumption(pce: str, start: date, end: date, *, kind: str, status: str,
                 estimated: bool) -> dict[str, Any]:
    volume = index_m3(pce, end) - index_m3(pce, start)
    coeff = period_coefficient(pce, start, end)
    return {
        "id_pce": pce,
        "date_debut_consommation": start.isoformat(),
        "date_fin_consommation": end.isoformat(),
        "journee_gaziere": start.isoformat() if kind == "Informative" else None,
        "releve_debut": _reading(pce, start, "debut", False),
        "releve_fin": _reading(pce, end, "fin", estimated),
        "volume_brut": volume,
        "coeff_calcul": {"coeff_conversion": coeff},
        "energie": round(volume * coeff),
        "type_conso": kind,
        "statut_conso": status,
        "frequence_releve": profile(pce).frequency,
        "flag_retour_zero": vrai(False),
        "flag_consommation_estimee": vrai(estimated),
    }


def published(pce: str, start: date, end: date, today: date) -> list[dict[str, Any]]:
    """Billing consumption records of periods overlapping [start, end), as published by `today`."""
    out = []
    for s, e in published_periods(pce, start, end):
        if e + PUBLISHED_DELAY > today:
            continue
        status = "Définitive" if e + DEFINITIVE_AFTER <= today else "Provisoire"
        estimated = unit(pce, "estimated", s) < 0.06
        out.append(_consumption(pce, s, e, kind="Publiée", status=status, estimated=estimated))
    return out


def last_published_end(pce: str, today: date) -> date:
    """End of the last billing period published by `today`."""
    periods = published_periods(pce, today - timedelta(days=100), today)
    ends = [e for _, e in periods if e + PUBLISHED_DELAY <= today]
    return max(ends) if ends else today - timedelta(days=100)


def informative(pce: str, start: date, end: date, today: date) -> list[dict[str, Any]]:
    """Daily informative records for the gas days in [start, end) known by `today`."""
    definitive_until = last_published_end(pce, today)
    out = []
    day = start
    while day < end and day + timedelta(days=1) <= today:
        status = "Définitive" if day < definitive_until else "Provisoire"
        out.append(_consumption(pce, day, day + timedelta(days=1), kind="Informative", status=status,
                                estimated=status == "Provisoire"))
        day += timedelta(days=1)
    return out


def contractual(pce: str, today: date) -> dict[str, Any]:
    """Contract data: annual reference consumption (CAR), profile, tariff option, status."""
    p = profile(pce)
    return {
        "id_pce": pce,
        "donnees_contractuelles": {
            "car": round(p.annual_kwh),
            "profil_type": TARIFF_PROFILE[p.tariff],
            "option_tarifaire": p.tariff,
            "statut_pce": "En service",
            "date_mise_en_service": p.commissioned.isoformat(),
            "titulaire": {"raison_sociale": p.holder},
        },
    }


def technical(pce: str) -> dict[str, Any]:
    """Technical data: meter address, reading frequency, meter number."""
    p = profile(pce)
    return {
        "id_pce": pce,
        "donnees_techniques": {
            "situation_compteur": {"numero_rue": p.street.split(" ", 1)[0],
                                   "nom_rue": p.street.split(" ", 1)[1],
                                   "code_postal": p.postal_code, "commune": p.city},
            "caracteristiques_compteur": {
                "frequence": p.frequency,
                "matricule_compteur": f"GZ{int(unit(pce, 'meter') * 1e9):09d}",
                "client_sensible": vrai(False),
                "compteur_communicant": vrai(p.tariff in ("T1", "T2")),
            },
            "pitd": {"code_pitd": f"GD{int(unit(pce, 'pitd') * 1e4):04d}",
                     "zone_gaz": "B" if p.b_gas else "H"},
        },
    }
