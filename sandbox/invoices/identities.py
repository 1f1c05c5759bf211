"""Fictional customers, sites and meters drawn from a seeded random generator."""

from __future__ import annotations

import random

CITIES = [("75011", "Paris"), ("69003", "Lyon"), ("13008", "Marseille"), ("31000", "Toulouse"),
          ("44000", "Nantes"), ("33000", "Bordeaux"), ("59000", "Lille"), ("67000", "Strasbourg"),
          ("35000", "Rennes"), ("34000", "Montpellier"), ("38000", "Grenoble"), ("21000", "Dijon"),
          ("49000", "Angers"), ("72000", "Le Mans"), ("76600", "Le Havre"), ("57000", "Metz"),
          ("54000", "Nancy"), ("25000", "Besançon"), ("87000", "Limoges"), ("63000", "Clermont-Ferrand"),
          ("29200", "Brest"), ("51100", "Reims"), ("45000", "Orléans"), ("37000", "Tours"),
          ("84000", "Avignon"), ("30000", "Nîmes"), ("66000", "Perpignan"), ("56100", "Lorient"),
          ("79000", "Niort"), ("41000", "Blois"), ("06000", "Nice"), ("83000", "Toulon")]
STREET_TYPES = ["rue", "avenue", "boulevard", "place", "allée", "chemin", "impasse", "quai", "route"]
STREET_NAMES = ["Victor Hugo", "Jean Jaurès", "de la République", "Pasteur", "Émile Zola", "des Écoles",
                "du Stade", "de la Gare", "Voltaire", "des Roses", "Louis Blériot", "du Commerce",
                "Paul Cézanne", "de Verdun", "Jean Moulin", "des Platanes", "du Maréchal Foch",
                "de l'Industrie", "de la Liberté", "du Général de Gaulle", "des Tilleuls", "Gambetta"]
ZONES = ["ZI de la Plaine", "ZAC du Grand Champ", "Parc technologique des Collines",
         "Lotissement artisanal Les Noues", "Zone portuaire Nord", "Parc d'activités du Moulin"]
SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
            "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
            "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet",
            "Fontaine", "Rousseau", "Blanc", "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
            "Mathieu", "Clement", "Gauthier", "Garnier", "Lemaire", "Chevalier"]
TRADES = ["Boulangerie", "Imprimerie", "Garage", "Pharmacie", "Cabinet d'architectes", "Menuiserie",
          "Transports", "Hôtel", "Restaurant", "Blanchisserie", "Supérette", "Atelier mécanique",
          "Laboratoire", "Entrepôt frigorifique", "Clinique vétérinaire", "Conserverie", "Brasserie"]
FORMS = ["SARL", "SAS", "SA", "EURL", "SCI", "SNC"]
LONG_NAMES = ["Fédération Régionale des Maisons Familiales Rurales d'Éducation et d'Orientation de {c}",
              "Syndicat intercommunal à vocation multiple pour l'assainissement et l'eau potable de {c}",
              "Association départementale pour l'accueil et l'accompagnement des personnes handicapées de {c}",
              "Groupement d'intérêt économique des commerçants et artisans du centre-ville de {c}"]
SITE_KINDS = ["Usine", "Entrepôt", "Agence", "Atelier", "Magasin", "Laboratoire", "Dépôt", "Gymnase",
              "École", "Médiathèque", "Centre de tri", "Point de vente", "Restaurant", "Plateforme",
              "Chaufferie", "Hôtel", "Bureaux"]
SITE_SUFFIXES = ["du Port", "du Château", "des Forges", "des Platanes", "de la Côte", "Centre", "Nord",
                 "Sud", "Ouest"]
LONG_SITES = ["Plateforme de conditionnement et chambres froides positives et négatives - extension {y}",
              "Magasin principal, réserve et bureaux administratifs du siège régional (niveau -1 à R+3)",
              "Centre technique municipal et ateliers de maintenance des espaces verts et de la voirie",
              "Groupe scolaire, restaurant collectif et accueil périscolaire du quartier {s}"]


def city(rng: random.Random, upper_city: bool | None = None) -> str:
    """'69003 Lyon' or '69003 LYON'."""
    zipcode, name = rng.choice(CITIES)
    if upper_city is None:
        upper_city = rng.random() < 0.5
    return f"{zipcode} {name.upper() if upper_city else name}"


def street(rng: random.Random) -> str:
    """'120 route des Écoles'."""
    return f"{rng.randint(1, 250)} {rng.choice(STREET_TYPES)} {rng.choice(STREET_NAMES)}"


def company_name(rng: random.Random, long_ratio: float = 0.1) -> str:
    """A fictional company name, sometimes long enough to wrap."""
    if rng.random() < long_ratio:
        return rng.choice(LONG_NAMES).format(c=rng.choice(["Bretagne", "Normandie", "Bourgogne", "Provence"]))
    trade, surname, form = rng.choice(TRADES), rng.choice(SURNAMES), rng.choice(FORMS)
    pattern = rng.random()
    if pattern < 0.6:
        return f"{trade} {surname} {form}"
    if pattern < 0.8:
        return f"{form} {trade} {rng.choice(SITE_SUFFIXES[:5])}"
    return f"{surname} & {rng.choice(SURNAMES)} {form}"


def customer(rng: random.Random, long_ratio: float = 0.1) -> dict:
    """Customer identity: name, postal address lines, SIRET."""
    return {"name": company_name(rng, long_ratio), "address_lines": [street(rng), city(rng)],
            "siret": "".join(str(rng.randint(0, 9)) for _ in range(14))}


def site_name(rng: random.Random, long_ratio: float = 0.1) -> str:
    """A site name, sometimes long enough to wrap."""
    if rng.random() < long_ratio:
        return rng.choice(LONG_SITES).format(y=rng.randint(2015, 2025), s=rng.choice(SURNAMES))
    kind = rng.choice(SITE_KINDS)
    if rng.random() < 0.5:
        return f"{kind} {rng.choice(CITIES)[1]}"
    return f"{kind} {rng.choice(SITE_SUFFIXES)}"


def site_address(rng: random.Random, long_ratio: float = 0.1) -> str:
    """One-line site address, sometimes long enough to wrap."""
    base = f"{street(rng)}, {city(rng)}"
    if rng.random() < long_ratio:
        building = f"Bâtiment {rng.choice('ABCDEFG')}{rng.randint(1, 12)}"
        return f"{rng.choice(ZONES)}, {building}, entrée {rng.choice(['Nord', 'Sud', 'Est', 'Ouest'])} - {base}"
    return base


def prm(rng: random.Random) -> str:
    """A 14-digit electricity delivery point identifier."""
    return str(rng.randint(10, 99)) + "".join(str(rng.randint(0, 9)) for _ in range(12))


def pce(rng: random.Random) -> str:
    """A gas delivery point: 14 digits, or GI + 6 digits."""
    if rng.random() < 0.2:
        return "GI" + "".join(str(rng.randint(0, 9)) for _ in range(6))
    return str(rng.randint(10, 99)) + "".join(str(rng.randint(0, 9)) for _ in range(12))


def complete_customer(rng: random.Random, given: dict | None, long_ratio: float = 0.1) -> dict:
    """The customer passed by the caller (a portal serving one account), completed where fields are missing,
    or a new one."""
    drawn = customer(rng, long_ratio)
    return {**drawn, **(given or {})}
