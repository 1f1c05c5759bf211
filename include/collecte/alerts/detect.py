"""What needs a person now, read from the status tables: one `Incident` per situation.

Each detector is one query; the key of an incident names its situation (kind and subject), so
the same account locked at every run is the same incident, and a new lock after a fix is a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# statuses that need nobody: everything else in account_status / meter_status is a problem
ACCOUNT_FINE = ("OK", "NO_NEW_DOCUMENTS")
METER_FINE = ("OK", "HISTORY_WALL", "NO_DATA")
ACTIONS: dict[str, str] = {
    "LOGIN_FAILED": "Mettre à jour l'identifiant ou le mot de passe (page d'identifiants), puis relancer la DAG.",
    "ACCOUNT_LOCKED": "Faire débloquer le compte chez le fournisseur, puis relancer la DAG.",
    "MFA_REQUIRED": "Désactiver la double authentification ou fournir un accès délégué.",
    "CAPTCHA_REQUIRED": "Le site demande un CAPTCHA : se connecter une fois à la main depuis l'hôte de collecte, "
                        "ou demander au fournisseur un accès API ou une liste blanche, puis relancer la DAG.",
    "SITE_DOWN": "Rien à faire : nouvel essai automatique ; alerter si cela dure.",
    "LAYOUT_CHANGED": "Le site ou la facture a changé : mettre à jour le module de page ou le modèle de facture.",
    "NO_CONSENT": "Faire signer (ou renouveler) le mandat du client.",
    "API_NOT_SUBSCRIBED": "Souscrire l'API pour l'application sur le portail de l'opérateur (configuration, pas un client).",
    "NOT_ACTIVATED": "Commander l'activation de la courbe de charge (télé-relève).",
    "MOVED_OUT": "Le client a quitté le point : clore le compteur ou obtenir un nouveau mandat.",
    "ERROR": "Voir le journal de la dernière exécution.",
}


@dataclass(frozen=True)
class Incident:
    """A situation that needs a person."""

    kind: str
    subject: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)
    organization_id: str | None = None

    @property
    def key(self) -> str:
        """Stable identity of the situation."""
        return f"{self.kind}:{self.subject}"


def account_problems(conn: Any, today: date, warn_days: int) -> list[Incident]:
    """Supplier accounts whose last attempt left them in a problem state (since its first failure)."""
    rows = conn.execute(
        """SELECT s.source, s.account_id, s.road, s.status, s.message, s.evidence_key, s.last_success,
                  s.consecutive_failures, e.organization_id
             FROM account_status s
             LEFT JOIN supplier_account a ON a.supplier = s.source AND a.account_id = s.account_id
             LEFT JOIN entity e ON e.id = a.entity_id
            WHERE s.status <> ALL(%s)""", (list(ACCOUNT_FINE),)).fetchall()
    return [Incident("account_problem", "/".join(p for p in (source, account, road, status) if p),
                     f"Compte {source} {account}" + (f" ({road})" if road else "") + f" : {status}"
                     + (f" ({message})" if message else ""),
                     {"source": source, "account": account, "road": road, "status": status, "message": message,
                      "evidence": evidence, "last_success": str(last_ok) if last_ok else None,
                      "failures": failures, "action": ACTIONS.get(status, "")}, org)
            for source, account, road, status, message, evidence, last_ok, failures, org in rows]


def meter_problems(conn: Any, today: date, warn_days: int) -> list[Incident]:
    """Meters and data kinds whose operator status needs a person."""
    rows = conn.execute(
        """SELECT s.operator, s.meter_id, s.data_kind, s.status, s.message, s.last_success, e.organization_id
             FROM meter_status s
             LEFT JOIN meter m ON m.id = s.meter_id LEFT JOIN site t ON t.id = m.site_id
             LEFT JOIN entity e ON e.id = t.entity_id
            WHERE s.status <> ALL(%s)""", (list(METER_FINE),)).fetchall()
    return [Incident("meter_problem", f"{op}/{meter}/{kind}/{status}",
                     f"Compteur {meter} ({op}, {kind}) : {status}" + (f" ({message})" if message else ""),
                     {"operator": op, "meter": meter, "kind": kind, "status": status, "message": message,
                      "last_success": str(last_ok) if last_ok else None, "action": ACTIONS.get(status, "")}, org)
            for op, meter, kind, status, message, last_ok, org in rows]


def quarantined_data(conn: Any, today: date, warn_days: int) -> list[Incident]:
    """Raw objects with records set aside and not yet released (one incident per object and dataset)."""
    rows = conn.execute(
        """SELECT raw_key, dataset, count(*), min(reason) FROM quarantine_record WHERE released_at IS NULL
            GROUP BY raw_key, dataset ORDER BY raw_key""").fetchall()
    return [Incident("quarantine", f"{dataset}/{raw_key}",
                     f"Quarantaine {dataset} : {count} enregistrement(s) de {raw_key.rsplit('/', 1)[-1]} : {reason}",
                     {"raw_key": raw_key, "dataset": dataset, "records": count, "reason": reason,
                      "action": "Corriger la source, puis déclencher reprocess_quarantine avec la clé brute."})
            for raw_key, dataset, count, reason in rows]


def missing_files(conn: Any, today: date, warn_days: int) -> list[Incident]:
    """Gaps in the sequence numbers of a supplier's file drops."""
    rows = conn.execute(
        "SELECT source, kind, file_name, sequence_number, detail FROM file_status WHERE status = 'missing'"
    ).fetchall()
    return [Incident("missing_file", f"{source}/{kind}/{seq}",
                     f"Fichier manquant chez {source} ({kind}) : numéro {seq}",
                     {"source": source, "kind": kind, "file": name, "sequence": seq, "detail": detail,
                      "action": "Demander au fournisseur de redéposer le fichier."})
            for source, kind, name, seq, detail in rows]


def expiring_consents(conn: Any, today: date, warn_days: int) -> list[Incident]:
    """Signed mandates and active GRDF access rights that end within `warn_days`."""
    horizon = today + timedelta(days=warn_days)
    out = [Incident("mandate_expiring", f"{mid}/{end}", f"Mandat {mid} ({entity}) expire le {end}",
                    {"mandate": mid, "entity": entity, "end_date": str(end),
                     "action": "Envoyer le lien de renouvellement au contact de l'entité."}, org)
           for mid, entity, end, org in conn.execute(
               """SELECT m.id, m.entity_id, m.end_date, e.organization_id FROM mandate m
                   JOIN entity e ON e.id = m.entity_id
                  WHERE m.status = 'signed' AND m.end_date BETWEEN %s AND %s""", (today, horizon)).fetchall()]
    out += [Incident("access_right_expiring", f"{rid}/{end}", f"Droit d'accès GRDF {rid} (PCE {pce}) expire le {end}",
                     {"access_right": rid, "pce": pce, "end_date": str(end),
                      "action": "Redéclarer le droit d'accès avec le mandat renouvelé."})
            for rid, pce, end in conn.execute(
                "SELECT id, pce, right_end FROM gas_access_right WHERE state = 'Active' "
                "AND right_end BETWEEN %s AND %s", (today, horizon)).fetchall()]
    return out


def refused_exports(conn: Any, today: date, warn_days: int) -> list[Incident]:
    """Invoice versions an export target refused or that could not be delivered."""
    rows = conn.execute(
        "SELECT exporter, supplier, invoice_number, version, last_error, attempts FROM export_delivery "
        "WHERE status = 'failed'").fetchall()
    return [Incident("export_refused", f"{exporter}/{supplier}/{number}/v{version}",
                     f"Export {exporter} refusé : facture {supplier} {number} v{version} : {error or ''}".rstrip(" :"),
                     {"exporter": exporter, "supplier": supplier, "invoice": number, "version": version,
                      "error": error, "attempts": attempts,
                      "action": "Lire le refus de l'ERP, corriger, puis relancer la DAG d'export."})
            for exporter, supplier, number, version, error, attempts in rows]


DETECTORS: dict[str, Callable[[Any, date, int], list[Incident]]] = {
    "account_problem": account_problems,
    "meter_problem": meter_problems,
    "quarantine": quarantined_data,
    "missing_file": missing_files,
    "mandate_expiring": expiring_consents,
    "export_refused": refused_exports,
}
# kinds each detector may produce (a detector's absence from a scan must not close others' incidents)
DETECTED_KINDS: dict[str, tuple[str, ...]] = {name: (name,) for name in DETECTORS}
DETECTED_KINDS["mandate_expiring"] = ("mandate_expiring", "access_right_expiring")


def detect_all(conn: Any, today: date, warn_days: int, kinds: list[str] | None = None
               ) -> tuple[list[Incident], list[str]]:
    """Every incident of the chosen detectors, and the incident kinds that were scanned."""
    chosen = [k for k in DETECTORS if kinds is None or k in kinds]
    found: list[Incident] = []
    for name in chosen:
        found += DETECTORS[name](conn, today, warn_days)
    return found, [k for name in chosen for k in DETECTED_KINDS[name]]
