"""The records ADICT answers for one PCE: published and informative consumption, contract, technical.

Shapes follow real ADICT v2 records (lowatt/lowatt-grdf tests/test_api.py) and
../shared/DOMAIN.md: nested `pce`, `releve_debut`, `releve_fin`, `consommation`; datetimes at
06:00 Paris with their offset; `flag_retour_zero` a JSON boolean (false) in published records
and null in informative ones, as in those records.

Published data appear two days after the end of their period and stay "Provisoire" for ten
days, then "Définitive". Informative data (daily) appear the next day; they are "Définitive"
for days already covered by a published period, "Provisoire" (estimated) after that.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
PARIS = ZoneInfo("Europe/Paris")


def vrai(flag: bool) -> str:
    """ADICT's booleans in access rights and declarations."""
    return "Vrai" if flag else "Faux"


def gas_moment(day: date) -> str:
    """06:00 Paris on `day` with its offset, as ADICT writes it (2021-01-01T06:00:00+01:00)."""
    return datetime.combine(day, time(6), tzinfo=PARIS).isoformat()


def _index(pce: str, day: date | None, which: str) -> dict[str, Any]:
    return {f"index_brut_{which}": {"valeur_index": index_m3(pce, day) if day else None,
                                    "horodate_Index": gas_moment(day) if day else None},
            f"index_converti_{which}": {"valeur_index": None, "horodate_Index": None}}


def _published_reading(pce: str, day: date, which: str, estimated: bool, with_date: bool) -> dict[str, Any]:
    return {"date_releve": gas_moment(day) if with_date else None,
            "raison_releve": "RNO" if with_date else None,
            "libelle_raison_releve": "Relevé normal" if with_date else None,
            "qualite_releve": "Estimé" if estimated else "Mesure",
            "statut_releve": "Normal", **_index(pce, day, which)}


def _consommation(pce: str, start: date, end: date, *, type_conso: str, status: str, estimated: bool,
                  gas_day: date | None) -> dict[str, Any]:
    volume = index_m3(pce, end) - index_m3(pce, start)
    coeff = period_coefficient(pce, start, end)
    return {
        "date_debut_consommation": gas_moment(start),
        "date_fin_consommation": gas_moment(end),
        "flag_retour_zero": False if type_conso == "Publiée" else None,
        "volume_brut": volume,
        "coeff_calcul": {"coeff_pta": None, "valeur_pcs": None, "coeff_conversion": coeff},
        "volume_converti": 0 if type_conso == "Publiée" else None,
        "energie": round(volume * coeff),
        "type_qualif_conso": "Estimé" if estimated else "Mesuré",
        "sens_flux_gaz": "Consommation",
        "statut_conso": status,
        "journee_gaziere": gas_day.isoformat() if gas_day else None,
        "type_conso": type_conso,
    }


def _periode(start: date, end: date) -> dict[str, Any]:
    return {"valeur": None, "date_debut": start.isoformat(), "date_fin": end.isoformat()}


def no_data(pce: str, start: date, end: date) -> dict[str, Any]:
    """The record ADICT answers when a period holds no data (HTTP 200, statut_restitution set).

    The shape (statut_restitution with a code) is reported by public ADICT clients; the code
    and message values are this sandbox's own: the sources do not list them."""
    return {"pce": {"id_pce": pce}, "periode": _periode(start, end),
            "statut_restitution": {"code": "1000", "message": "Absence de données sur la période demandée"}}


def published(pce: str, start: date, end: date, today: date) -> list[dict[str, Any]]:
    """Billing consumption records of periods overlapping [start, end), as published by `today`."""
    out = []
    for s, e in published_periods(pce, start, end):
        if e + PUBLISHED_DELAY > today:
            continue
        status = "Définitive" if e + DEFINITIVE_AFTER <= today else "Provisoire"
        estimated = unit(pce, "estimated", s) < 0.06
        out.append({
            "pce": {"id_pce": pce},
            "periode": _periode(start, end),
            # like the real record, the start reading carries no date, only its index
            "releve_debut": _published_reading(pce, s, "debut", False, with_date=False),
            "releve_fin": _published_reading(pce, e, "fin", estimated, with_date=True),
            "consommation": _consommation(pce, s, e, type_conso="Publiée", status=status,
                                          estimated=estimated, gas_day=None),
            "bordereau_publication": {"date_debut_bordereau": None, "date_fin_bordereau": None,
                                      "nb_jour_gazier": None},
            "statut_restitution": None,
        })
    return out or [no_data(pce, start, end)]


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
        out.append({
            "pce": {"id_pce": pce},
            "periode": _periode(start, end),
            "releve_debut": {"date_releve": None, **_index(pce, None, "debut")},
            "releve_fin": {"date_releve": gas_moment(day + timedelta(days=1)),
                           **_index(pce, day + timedelta(days=1), "fin")},
            "consommation": _consommation(pce, day, day + timedelta(days=1), type_conso="Informative Journalier",
                                          status=status, estimated=status == "Provisoire", gas_day=day),
            "statut_restitution": None,
        })
        day += timedelta(days=1)
    return out or [no_data(pce, start, end)]


def contractual(pce: str, today: date) -> dict[str, Any]:
    """Contract data: routing tariff, annual reference consumption (CAR), profile, commissioning."""
    p = profile(pce)
    return {
        "pce": {"id_pce": pce},
        "donnees_contractuelles": {
            "date_mes": p.commissioned.isoformat(),
            "tarif_acheminement": p.tariff,
            # v2 object form (DOMAIN.md: car_actuelle in v2); lowatt-grdf's test shows a number
            "car": {"car_actuelle": round(p.annual_kwh), "car_future": round(p.annual_kwh)},
            "cja": {"cja": 0, "cja_journaliere": None, "cja_mensuelle": None},
            "profil": {"profil_type_actuel": TARIFF_PROFILE[p.tariff], "profil_type_futur": None,
                       "date_debut_profil_type_actuel": None, "date_fin_profil_type_actuel": None},
        },
        "statut_restitution": None,
    }


def technical(pce: str) -> dict[str, Any]:
    """Technical data: meter address, reading frequency, PITD."""
    p = profile(pce)
    number, street = p.street.split(" ", 1)
    return {
        "pce": {"id_pce": pce},
        "donnees_techniques": {
            "situation_compteur": {"numero_rue": number, "nom_rue": street.upper(),
                                   "complement_adresse": None, "code_postal": p.postal_code,
                                   "commune": p.city.upper()},
            "caracteristiques_compteur": {"frequence": p.frequency, "client_sensible_mig": "Non"},
            "pitd": {"identifiant_pitd": f"GD{int(unit(pce, 'pitd') * 1e4):04d}",
                     "libelle_pitd": p.city.upper()},
        },
        "statut_restitution": None,
    }
