"""Layout drift: the changes suppliers make to their invoices without notice, drawn from a seed.

``draw(supplier, rng)`` picks one to three kinds of change; ``apply_to_truth`` changes what the
truth must say (relabelled lines, an added line); the layouts read ``active()`` while they print
(renamed labels and column headers, an added column, another date format or thousands separator,
the totals block moved, a page break inside the lines table). Most changes use words suppliers
really print; some options are deliberately unknown to any template (a label, a column, a line no
rule knows), so that the drifted corpus also measures what the extraction must flag, not read.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

KINDS = ("relabel_lines", "header_labels", "extra_column", "column_names", "column_order", "date_format",
         "thousands", "totals_moved", "page_break", "unknown_line", "unknown_column")
# changes no template can absorb are rarer than the others (as in life)
WEIGHTS = {"unknown_line": 0.35, "unknown_column": 0.35}
UNKNOWN = "unknown"  # marks an option printed with words no template knows

# printed line label (regex on the start) -> what the supplier prints instead
RELABEL = {
    "volta": [(r"^Abonnement", ["Prime fixe", "Redevance d'abonnement"]),
              (r"^Électricité consommée", ["Consommation d'électricité", "Fourniture d'électricité"]),
              (r"^Acheminement \(TURPE\)", ["Utilisation du réseau (TURPE)", "TURPE"]),
              (r"^Accise sur l'électricité", ["TICFE", "Taxe intérieure sur la consommation finale d'électricité"]),
              (r"^Contribution tarifaire d'acheminement \(CTA\)", ["CTA"]),
              (r"^Garantie de capacité", ["Capacité", "Mécanisme d'ajustement"])],
    "azur": [(r"^Abonnement mensuel", ["Prime fixe mensuelle"]),
             (r"^Énergie", ["Consommation", "Électricité"]),
             (r"^Composante de gestion", ["TURPE - composante de gestion"]),
             (r"^Accise sur l'électricité", ["TICFE"]),
             (r"^Obligation de capacité", ["Mécanisme de capacité", "Ajustement réseau"])],
    "nordis": [(r"^Part fixe fourniture", ["Abonnement", "Prime fixe"]),
               (r"^Énergie active", ["Consommation", "Électricité"]),
               (r"^Accise sur l'électricité", ["TICFE"]),
               (r"^TURPE - ", ["Acheminement - ", "Utilisation du réseau - "]),
               (r"^Mécanisme de capacité", ["Obligation de capacité", "Ajustement réseau"])],
    "gazelec": [(r"^Abonnement GazÉlec Pro", ["Prime fixe", "Part fixe fourniture"]),
                (r"^Consommation de gaz naturel", ["Fourniture de gaz naturel", "Gaz naturel consommé"]),
                (r"^Accise sur le gaz naturel", ["TICGN", "Taxe intérieure de consommation sur le gaz naturel"]),
                (r"^Compensation stockage", ["Stockage", "Ajustement réseau"]),
                (r"^Contribution tarifaire d'acheminement \(CTA\)", ["CTA"])],
}
# relabellings no template knows (the line must be flagged, never filed under a wrong category)
UNKNOWN_LABELS = {"Mécanisme d'ajustement", "Ajustement réseau"}
# printed header/grid label -> synonyms; the last of each list is unknown to the templates
HEADER_LABELS = {
    "volta": {"N° de facture": ["Numéro de facture", "Facture n°"],
              "Date d'émission": ["Date de facture", "Date de facturation", "Date d'édition"],
              "Date d'échéance": ["Échéance", "À payer avant le"],
              "N° client": ["Compte client", "Référence client", "Réf. abonné"],
              "Point de livraison (PDL)": ["PDL", "Point de référence mesure (PRM)"],
              "Nom du site": ["Site", "Désignation du site"],
              "Adresse du site": ["Adresse de livraison", "Lieu de consommation"],
              "Option tarifaire": ["Formule tarifaire"],
              "Période facturée": ["Période de facturation"]},
    "azur": {"Référence client": ["N° client", "Compte client"],
             "Point de livraison (PRM)": ["PRM", "Point de livraison (PDL)"],
             "Site": ["Nom du site"], "Adresse": ["Adresse du site"],
             "Tarif": ["Option tarifaire", "Formule tarifaire"],
             "Période de facturation": ["Période facturée"],
             "Total hors TVA": ["Total HT"], "Total TVA": ["Montant TVA"]},
    "gazelec": {"Date de la facture": ["Date de facture", "Date d'émission"],
                "Date limite de paiement": ["Date d'échéance", "À payer avant le"],
                "N° de compte": ["N° client", "Compte client", "Réf. abonné"],
                "Tarif d'acheminement": ["Option tarifaire"],
                "Site": ["Nom du site"], "Adresse": ["Adresse du site"],
                "Période de consommation": ["Période de facturation"]},
    "nordis": {"Date de facture": ["Date de facturation", "Date d'émission"],
               "Date d'échéance": ["Échéance", "Date limite de paiement"],
               "Compte client": ["N° client", "Référence client", "Réf. abonné"],
               "PDL": ["PRM", "Point de livraison"], "Période": ["Période facturée"],
               "Option tarifaire": ["Formule tarifaire"]},
}
UNKNOWN_HEADERS = {"Date d'édition", "Réf. abonné"}
COLUMN_NAMES = {
    "volta": {"Désignation": ["Libellé", "Description"], "Quantité": ["Qté"],
              "P.U. HT (€)": ["Prix unitaire HT (€)", "PU HT (€)"], "Montant HT (€)": ["Total HT (€)"],
              "TVA": ["Taux TVA"]},
    "azur": {"Libellé": ["Désignation"], "Quantité": ["Qté"], "Prix unitaire HT": ["P.U. HT"],
             "Montant HT": ["Total HT"], "TVA": ["Taux TVA", "Taux de TVA"]},
    "nordis": {"Libellé": ["Désignation", "Description"], "Quantité": ["Qté", "Volume facturé"],
               "PU HT": ["Prix unitaire", "P.U. HT"], "Montant HT (€)": ["Montant hors TVA (€)"]},
    "gazelec": {"Libellé": ["Désignation", "Description"], "Quantité": ["Qté"],
                "Prix unitaire HT": ["P.U. HT", "Tarif unitaire"], "Montant HT (EUR)": ["Total HT (EUR)"],
                "TVA": ["Taux TVA"]},
}
UNKNOWN_COLUMN_NAMES = {"Volume facturé"}
# date formats each layout can print without overflowing its narrow columns
DATE_FORMATS = {"volta": ["long", "iso", "dot"], "azur": ["slash", "iso"], "nordis": ["slash", "iso"],
                "gazelec": ["iso", "dot"]}
# the standard PDF fonts (Helvetica, Times) have no narrow no-break space: only the DejaVu layouts print it
THOUSANDS = {"volta": [" ", "\u00a0", "."], "gazelec": [" ", "\u00a0", "."],
             "azur": [" ", "\u00a0", "\u202f", "."], "nordis": [" ", "\u00a0", "\u202f", "."]}
EXTRA_COLUMNS = ["vat_amount", "reference"]
UNKNOWN_COLUMNS = ["Centre de coût", "Compte comptable"]
UNKNOWN_LINES = [("Contribution exceptionnelle de solidarité", 3.5), ("Participation aux frais de réseau", 4.2)]


@dataclass(frozen=True)
class Drift:
    """The changes of one drifted invoice (empty: the layout as it was)."""

    kinds: tuple[str, ...] = ()
    relabel: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    extra_column: str | None = None  # vat_amount | reference | an unknown column's title
    date_format: str | None = None
    thousands: str | None = None
    totals_moved: bool = False
    page_break: bool = False
    column_order: bool = False  # the VAT rate column printed before the amount column
    unknown_line: tuple[str, float] | None = None

    def label(self, text: str) -> str:
        """A header or grid label as this invoice prints it."""
        return self.labels.get(text, text)

    def column(self, text: str) -> str:
        """A column header as this invoice prints it."""
        return self.columns.get(text, text)

    @property
    def expects_flag(self) -> bool:
        """True when the drift holds a change no template knows (the invoice must not be accepted)."""
        return bool(
            {"unknown_line", "unknown_column"} & set(self.kinds)
            or UNKNOWN_LABELS & set(self.relabel.values())
            or UNKNOWN_HEADERS & set(self.labels.values())
            or UNKNOWN_COLUMN_NAMES & set(self.columns.values())
        )

    def as_dict(self) -> dict:
        """JSON-friendly description (kept with the generated invoice)."""
        return {"kinds": list(self.kinds), "relabel": self.relabel, "labels": self.labels,
                "columns": self.columns, "extra_column": self.extra_column, "date_format": self.date_format,
                "thousands": self.thousands, "totals_moved": self.totals_moved, "page_break": self.page_break,
                "column_order": self.column_order,
                "unknown_line": list(self.unknown_line) if self.unknown_line else None,
                "expects_flag": self.expects_flag}


NONE = Drift()
_ACTIVE: contextvars.ContextVar[Drift] = contextvars.ContextVar("invoice_drift", default=NONE)


def active() -> Drift:
    """The drift of the invoice being printed (no drift outside ``printing``)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def printing(drift: Drift | None) -> Iterator[None]:
    """Make ``drift`` the active drift while a layout prints."""
    token = _ACTIVE.set(drift or NONE)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _pick_some(rng: random.Random, table: dict[str, list[str]], low: int, high: int) -> dict[str, str]:
    keys = sorted(table)
    chosen = rng.sample(keys, min(len(keys), rng.randint(low, high)))
    return {k: rng.choice(table[k]) for k in chosen}


def draw(supplier: str, rng: random.Random, kinds: list[str] | tuple[str, ...] | None = None) -> Drift:
    """One to three changes for an invoice of ``supplier`` (or exactly ``kinds``)."""
    if kinds is None:
        pool = list(KINDS)
        count = rng.choice([1, 1, 2, 2, 3])
        kinds = []
        while len(kinds) < count:
            kind = rng.choices(pool, weights=[WEIGHTS.get(k, 1.0) for k in pool])[0]
            kinds.append(kind)
            pool.remove(kind)
    unknown_kinds = set(kinds) - set(KINDS)
    if unknown_kinds:
        raise ValueError(f"unknown drift kinds {sorted(unknown_kinds)}; known: {', '.join(KINDS)}")
    kinds = tuple(k for k in KINDS if k in kinds)
    relabel = {}
    if "relabel_lines" in kinds:
        rules = RELABEL[supplier]
        for pattern, options in rng.sample(rules, rng.randint(1, min(3, len(rules)))):
            relabel[pattern] = rng.choice(options)
    extra = None
    if "extra_column" in kinds:
        extra = rng.choice(EXTRA_COLUMNS)
    if "unknown_column" in kinds:
        extra = rng.choice(UNKNOWN_COLUMNS)
    return Drift(
        kinds=kinds, relabel=relabel,
        labels=_pick_some(rng, HEADER_LABELS[supplier], 1, 3) if "header_labels" in kinds else {},
        columns=_pick_some(rng, COLUMN_NAMES[supplier], 1, 3) if "column_names" in kinds else {},
        extra_column=extra,
        date_format=rng.choice(DATE_FORMATS[supplier]) if "date_format" in kinds else None,
        thousands=rng.choice(THOUSANDS[supplier]) if "thousands" in kinds else None,
        totals_moved="totals_moved" in kinds, page_break="page_break" in kinds,
        column_order="column_order" in kinds,
        unknown_line=rng.choice(UNKNOWN_LINES) if "unknown_line" in kinds else None,
    )


def apply_to_truth(truth: dict, drift: Drift) -> dict:
    """What the invoice says once drifted: relabelled lines, an added line (totals recomputed)."""
    from sandbox.invoices.lines import finish_invoice, line

    for site in truth["sites"]:
        for x in site["lines"]:
            for pattern, new in drift.relabel.items():
                x["label"] = re.sub(pattern, new, x["label"], count=1)
    if drift.unknown_line:
        label, price = drift.unknown_line
        sign = -1 if truth["document_type"] == "credit_note" else 1
        truth["sites"][0]["lines"].append(line("other", label, sign, "unit", price))
        finish_invoice(truth)
    return truth
